using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CloudService.Benchmarks.Corpus;

namespace CloudService.Benchmarks.Micro;

/// <summary>Runs the in-process benchmarks with BenchmarkDotNet and records their medians.</summary>
internal static class MicroRunner
{
    public static void Run()
    {
        // In process: no generated project to restore and build, and the measured code is exactly the app's.
        var fast = Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(4).WithIterationCount(15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250));
        // One invocation per iteration: each validation extracts into a folder the cleanup removes.
        var slow = Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(7).WithInvocationCount(1).WithUnrollFactor(1);

        var markdown = MarkdownCorpus.Document(PreviewBenchmarks.MarkdownBytes);
        Results.Add("miss.markdown_bytes", markdown.Length);
        Results.Add("miss.html_bytes", new CloudService.MarkdownPreview.MarkdownRenderer().Render(markdown, CancellationToken.None).Length);
        var preview = BenchmarkRunner.Run<PreviewBenchmarks>(Config(fast));
        Record(preview, r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name switch
        {
            nameof(PreviewBenchmarks.MarkdigRender) => "miss.markdig_bdn_ms",
            nameof(PreviewBenchmarks.PluginRender) => "miss.plugin_render_ms",
            nameof(PreviewBenchmarks.Sanitise) => "miss.sanitise_ms",
            nameof(PreviewBenchmarks.SanitiseBefore) => "miss.sanitise_before_ms",
            nameof(PreviewBenchmarks.SanitiseStylesheet) => "miss.sanitise_css_ms",
            _ => null,
        });

        var packages = BenchmarkRunner.Run<PackageBenchmarks>(Config(slow));
        Record(packages, r =>
        {
            var kind = (string)r.BenchmarkCase.Parameters[nameof(PackageBenchmarks.Package)]! == PluginPackages.Large ? "large" : "tiny";
            var side = r.BenchmarkCase.Descriptor.WorkloadMethod.Name switch
            {
                nameof(PackageBenchmarks.UnzipTest) => "ref",
                nameof(PackageBenchmarks.UnzipExtract) => "unzip_extract",
                _ => "ours",
            };
            return $"validation.{kind}.{side}_ms";
        });
    }

    private static ManualConfig Config(Job job)
    {
        var config = ManualConfig.CreateMinimumViable().AddJob(job).WithOptions(ConfigOptions.DisableLogFile);
        config.ArtifactsPath = Path.Combine(BenchPaths.Work, "BenchmarkDotNet.Artifacts");
        return config;
    }

    private static void Record(Summary summary, Func<BenchmarkReport, string?> keyOf)
    {
        foreach (var report in summary.Reports)
        {
            if (keyOf(report) is not { } key)
            {
                continue;
            }

            if (report.ResultStatistics is not { } statistics)
            {
                throw new InvalidOperationException($"{report.BenchmarkCase.DisplayInfo} produced no result.");
            }

            Results.Add(key, statistics.Median / 1_000_000.0);
        }
    }
}
