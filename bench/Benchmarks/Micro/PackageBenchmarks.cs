using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CloudService.Benchmarks.Corpus;
using CloudService.Modules.Plugins.Packages;

namespace CloudService.Benchmarks.Micro;

/// <summary>
/// Package validation (the app's one pass: inflate, check, CRC, write to a staging folder, rename)
/// against <c>unzip -t</c> testing the same file (inflate and CRC only), both on the disk of the
/// bench's work folder.
/// </summary>
public class PackageBenchmarks
{
    private string package = "";
    private string target = "";
    private string unzipped = "";

    [Params(PluginPackages.Large, PluginPackages.Tiny)]
    public string Package { get; set; } = PluginPackages.Large;

    [GlobalSetup]
    public void Setup()
    {
        var work = BenchPaths.Work;
        package = PluginPackages.Build(Package, BenchPaths.PluginPackage, Path.Combine(work, Package == PluginPackages.Large ? "large-package.zip" : "tiny-package.zip"));
        target = Path.Combine(work, "validated", "markdown-preview", "1.0.0");
        unzipped = Path.Combine(work, "unzipped");
        Cleanup();
        var result = ValidateOnce();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"The {Package} package does not validate: {string.Join(" ", result.Errors)}");
        }

        Cleanup();
    }

    [IterationCleanup]
    public void Cleanup()
    {
        foreach (var directory in new[] { target, unzipped })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Benchmark(Baseline = true, Description = "unzip -t (reference)")]
    public int UnzipTest() => Unzip("-tqq", package);

    /// <summary>A second reference: unzip writing the files too, as validation does.</summary>
    [Benchmark(Description = "unzip extracting")]
    public int UnzipExtract() => Unzip("-qq", package, "-d", unzipped);

    private static int Unzip(params string[] arguments)
    {
        using var unzip = Process.Start(new ProcessStartInfo("unzip", arguments) { RedirectStandardOutput = true })!;
        unzip.StandardOutput.ReadToEnd();
        unzip.WaitForExit();
        return unzip.ExitCode == 0 ? 0 : throw new InvalidOperationException($"unzip {string.Join(' ', arguments)} failed with {unzip.ExitCode}");
    }

    [Benchmark(Description = "validate and extract")]
    public bool Validate() => ValidateOnce().Succeeded;

    private PackageValidationResult ValidateOnce() =>
        new PackageValidator(new PackageLimits()).ValidateAndExtractAsync(package, target, null, CancellationToken.None).GetAwaiter().GetResult();
}
