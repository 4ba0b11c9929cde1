using System.Diagnostics;
using CloudService.Benchmarks.Corpus;
using CloudService.MarkdownPreview;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Preview.Sanitising;

namespace CloudService.Benchmarks.Micro;

/// <summary>
/// One operation in a loop, for a profiler to watch (<c>dotnet-trace collect -- dotnet CloudService.Benchmarks.dll probe ...</c>);
/// prints the time of each round of ten.
/// </summary>
internal static class Probe
{
    public static void Run(string what, int count, string? argument)
    {
        Action operation = what switch
        {
            "sanitise" => Sanitise(),
            "sanitise-both" => SanitiseBoth(),
            "validate" => Validate(argument ?? throw new ArgumentException("probe validate <package.zip> [count]")),
            _ => throw new ArgumentException($"Unknown probe '{what}': sanitise | validate <package.zip>"),
        };
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= count; i++)
        {
            operation();
            if (i % 10 == 0)
            {
                Console.WriteLine($"{what} {i - 9}-{i}: {clock.Elapsed.TotalMilliseconds / 10:0.00} ms each");
                clock.Restart();
            }
        }
    }

    private static Action Sanitise()
    {
        var sanitizer = new PreviewSanitizer();
        var html = new MarkdownRenderer().Render(MarkdownCorpus.Document(PreviewBenchmarks.MarkdownBytes), CancellationToken.None);
        return () => sanitizer.Sanitize(html);
    }

    /// <summary>The present sanitiser and the previous one in turns, so both see the same moments of a busy machine.</summary>
    private static Action SanitiseBoth()
    {
        var present = new PreviewSanitizer();
        var before = new HtmlSanitizerBaseline();
        var html = new MarkdownRenderer().Render(MarkdownCorpus.Document(PreviewBenchmarks.MarkdownBytes), CancellationToken.None);
        var presentMs = new List<double>();
        var beforeMs = new List<double>();
        return () =>
        {
            var started = Stopwatch.GetTimestamp();
            present.Sanitize(html);
            presentMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            before.Sanitize(html);
            beforeMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (presentMs.Count % 10 == 0)
            {
                Console.WriteLine($"  median so far: present {Stats.Median(presentMs):0.00} ms, HtmlSanitizer {Stats.Median(beforeMs):0.00} ms");
            }
        };
    }

    private static Action Validate(string package)
    {
        var target = Path.Combine(Path.GetTempPath(), $"probe-{Environment.ProcessId}", "plugin", "1.0.0");
        return () =>
        {
            var result = new PackageValidator(new PackageLimits()).ValidateAndExtractAsync(package, target, null, CancellationToken.None).GetAwaiter().GetResult();
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(string.Join(" ", result.Errors));
            }

            Directory.Delete(target, recursive: true);
        };
    }
}
