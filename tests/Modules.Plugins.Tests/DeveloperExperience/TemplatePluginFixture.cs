using CloudService.Plugins.Sdk;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Plugins.DeveloperExperience;

/// <summary>
/// A plugin created with <c>dotnet new cloudservice-plugin</c> from templates/ (installed into a hive
/// of its own, never the user's), referencing the SDK package packed from this repository's source
/// (packed here when artifacts/packages lacks an up-to-date one, as on a fresh clone).
/// </summary>
public sealed class TemplatePluginFixture : IAsyncLifetime
{
    public const string Name = "HelloPreview";
    public const string PluginId = "hello-preview";

    public const string MimeType = "text/x-hello";

    /// <summary>The Storage module stores text under an unknown extension as text/plain; the provider takes such files by extension.</summary>
    public const string Extension = "hello";

    private readonly string root = Path.Combine(Path.GetTempPath(), "cloudservice-dx", Guid.NewGuid().ToString("N"));

    /// <summary>NuGet's package folder for the generated projects: kept between runs (the test packages come once from the feed), our SDK always fresh.</summary>
    private static readonly string NugetPackages = Path.Combine(RepositoryRoot.Path, "artifacts", "dx", "nuget-packages");

    public DotnetCli Dotnet { get; } = new(NugetPackages);

    public string SdkPackages { get; } = Path.Combine(RepositoryRoot.Path, "artifacts", "packages");

    public string SdkPackage => Path.Combine(SdkPackages, $"CloudService.Plugins.Sdk.{SdkInfo.Version}.nupkg");

    /// <summary>The folder <c>dotnet new</c> created: the .slnx, nuget.config, the plugin and its tests.</summary>
    public string SolutionDirectory => Path.Combine(root, "work", Name);

    public string PluginDirectory => Path.Combine(SolutionDirectory, Name);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(root, "work"));
        await EnsureSdkPackageAsync();
        // A package restored earlier under the same version may hold older bits.
        DeleteDirectory(Path.Combine(NugetPackages, "cloudservice.plugins.sdk"));

        var hive = Path.Combine(root, "hive");
        await Dotnet.SucceedAsync(root, "new", "install", Path.Combine(RepositoryRoot.Path, "templates", "cloudservice-plugin"), "--debug:custom-hive", hive);
        await Dotnet.SucceedAsync(Path.Combine(root, "work"), "new", "cloudservice-plugin", "-n", Name, "--mimeType", MimeType, "--extension", Extension,
            "--sdkSource", SdkPackages, "--authorName", "DX test", "--debug:custom-hive", hive);
    }

    public Task DisposeAsync()
    {
        DeleteDirectory(root);
        return Task.CompletedTask;
    }

    /// <summary>Packs the SDK unless artifacts/packages holds a package newer than every SDK source file.</summary>
    private async Task EnsureSdkPackageAsync()
    {
        var sources = new[] { "Plugins.Sdk", "Plugins.Sdk.Build" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src", p), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var newestSource = sources.Max(File.GetLastWriteTimeUtc);
        if (File.Exists(SdkPackage) && File.GetLastWriteTimeUtc(SdkPackage) >= newestSource)
        {
            return;
        }

        await Dotnet.SucceedAsync(RepositoryRoot.Path, "pack", Path.Combine("src", "Plugins.Sdk"), "-c", "Release", "-nologo", "-v", "quiet");
        Assert.True(File.Exists(SdkPackage), $"dotnet pack did not write {SdkPackage}");
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
