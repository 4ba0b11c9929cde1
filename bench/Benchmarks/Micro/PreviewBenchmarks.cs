using BenchmarkDotNet.Attributes;
using CloudService.Benchmarks.Corpus;
using CloudService.MarkdownPreview;
using CloudService.Modules.Preview.Sanitising;
using Markdig;
using Markdig.Extensions.EmphasisExtras;

namespace CloudService.Benchmarks.Micro;

/// <summary>
/// What a preview miss of a 100 KB Markdown file costs in CPU, step by step, against the reference:
/// Markdig rendering the same text with the same extensions and nothing else (no guards, no sanitiser).
/// </summary>
public class PreviewBenchmarks
{
    public const int MarkdownBytes = 100 * 1024;

    /// <summary>Markdig with the extensions the plugin enables, and nothing else.</summary>
    internal static readonly MarkdownPipeline Raw = new MarkdownPipelineBuilder()
        .UsePipeTables().UseTaskLists().UseEmphasisExtras(EmphasisExtraOptions.Strikethrough).UseAutoLinks().UseFootnotes().DisableHtml()
        .Build();

    private readonly MarkdownRenderer renderer = new();
    private readonly PreviewSanitizer sanitizer = new();
    private readonly HtmlSanitizerBaseline baseline = new();
    private string markdown = "";
    private string rendered = "";
    private string stylesheet = "";

    [GlobalSetup]
    public void Setup()
    {
        markdown = MarkdownCorpus.Document(MarkdownBytes);
        rendered = renderer.Render(markdown, CancellationToken.None);
        stylesheet = Stylesheet.Css;
    }

    [Benchmark(Baseline = true, Description = "Markdig render (reference)")]
    public string MarkdigRender() => Markdown.ToHtml(markdown, Raw);

    [Benchmark(Description = "plugin render (Markdig + guards)")]
    public string PluginRender() => renderer.Render(markdown, CancellationToken.None);

    [Benchmark(Description = "sanitise the fragment")]
    public string Sanitise() => sanitizer.Sanitize(rendered);

    [Benchmark(Description = "sanitise the fragment as before (HtmlSanitizer)")]
    public string SanitiseBefore() => baseline.Sanitize(rendered);

    [Benchmark(Description = "sanitise the stylesheet")]
    public string? SanitiseStylesheet() => StylesheetSanitizer.Sanitize(stylesheet);
}
