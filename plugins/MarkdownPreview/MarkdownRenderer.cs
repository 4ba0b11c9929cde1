using System.Net;
using Markdig;
using Markdig.Extensions.EmphasisExtras;
using Markdig.Extensions.TaskLists;
using Markdig.Renderers;
using Markdig.Syntax;

namespace CloudService.MarkdownPreview;

/// <summary>
/// Markdown to an HTML fragment with Markdig: CommonMark plus pipe tables, task lists,
/// strikethrough, autolinks and footnotes; raw HTML is shown as text, never passed through.
/// Guarded against slow input (FACTS.md): a size cap, structural budgets counted before parsing
/// (<see cref="ShapeBudget"/>: link and reference floods, huge tables, deep nesting), a nesting limit,
/// no extension with quadratic cost (no heading identifiers), and a time budget checked while inline
/// parsing — the part that turns quadratic on inputs such as thousands of unclosed <c>[a](</c>. Input
/// that breaks a guard is shown as plain text with a note instead of failing the preview.
/// </summary>
internal sealed class MarkdownRenderer
{
    /// <summary>The largest input rendered (1 MiB); bigger files are left to the host's plain-text preview.</summary>
    public const int MaxInputBytes = 1024 * 1024;

    /// <summary>How deep blocks (quotes, lists) may nest; Markdig's own default is 128.</summary>
    public const int MaxNestingDepth = 64;

    private readonly MarkdownPipeline pipeline;
    private readonly TimeSpan parseBudget;
    private readonly bool shapeBudgets;

    /// <param name="parseBudget">The time Markdig may spend parsing (2 s unless given).</param>
    /// <param name="shapeBudgets">Whether <see cref="ShapeBudget"/> is checked first (off only to test the time budget behind it).</param>
    public MarkdownRenderer(TimeSpan? parseBudget = null, bool shapeBudgets = true)
    {
        this.shapeBudgets = shapeBudgets;
        this.parseBudget = parseBudget ?? TimeSpan.FromSeconds(2);
        var builder = new MarkdownPipelineBuilder()
            .UsePipeTables()
            .UseTaskLists()
            .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
            .UseAutoLinks()
            .UseFootnotes()
            .DisableHtml();
        builder.MaximumNestingDepth = MaxNestingDepth;
        // Last, so that it sees every other inline parser the extensions add.
        builder.Extensions.Add(new ParseBudgetExtension());
        pipeline = builder.Build();
    }

    /// <summary>Renders <paramref name="markdown"/>; throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.</summary>
    public string Render(string markdown, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (markdown.Length > MaxInputBytes)
        {
            return PlainText(markdown[..MaxInputBytes], "it is larger than 1 MiB; the beginning is shown as plain text");
        }

        if (shapeBudgets && ShapeBudget.Check(markdown) is { } tooMuch)
        {
            return PlainText(markdown, tooMuch);
        }

        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, pipeline, new ParseBudget(parseBudget, cancellationToken));
        }
        catch (ParseBudgetExceededException)
        {
            return PlainText(markdown, "it is too complex to render in time");
        }
        catch (ArgumentException e) when (IsDepthLimit(e))
        {
            return PlainText(markdown, "it is nested too deeply");
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer) { LinkRewriter = SafeLinks.Rewrite };
        pipeline.Setup(renderer);
        // The host's sanitiser removes <input>; a ballot box survives it and reads the same.
        renderer.ObjectRenderers.Replace<HtmlTaskListRenderer>(new TaskListRenderer());
        try
        {
            // Block by block, so a cancelled render stops between blocks.
            foreach (var block in document)
            {
                cancellationToken.ThrowIfCancellationRequested();
                renderer.Render(block);
            }
        }
        catch (ArgumentException e) when (IsDepthLimit(e))
        {
            return PlainText(markdown, "it is nested too deeply");
        }

        writer.Flush();
        return writer.ToString();
    }

    private static bool IsDepthLimit(ArgumentException e) => e.Message.Contains("depth limit", StringComparison.OrdinalIgnoreCase);

    private static string PlainText(string markdown, string why) =>
        $"<p class=\"preview-note\"><em>This document is not rendered as Markdown because {why}.</em></p>\n<pre>{WebUtility.HtmlEncode(markdown)}</pre>\n";

    /// <summary>Renders a task list item's box as a character instead of a disabled checkbox input.</summary>
    private sealed class TaskListRenderer : Markdig.Renderers.Html.HtmlObjectRenderer<TaskList>
    {
        protected override void Write(HtmlRenderer renderer, TaskList obj) =>
            renderer.Write(obj.Checked
                ? "<span class=\"task-list-item-checkbox checked\" title=\"done\">&#x2611;</span>"
                : "<span class=\"task-list-item-checkbox\" title=\"to do\">&#x2610;</span>");
    }
}

/// <summary>Keeps only links a reader can safely follow: http(s), mailto, and relative ones. The host sanitises too; this is the first line.</summary>
internal static class SafeLinks
{
    private static readonly string[] AllowedSchemes = ["http", "https", "mailto"];

    public static string Rewrite(string url)
    {
        var trimmed = url.TrimStart();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return url;
        }

        var delimiter = trimmed.AsSpan(0, colon).IndexOfAny("/?#");
        if (delimiter >= 0)
        {
            return url; // the colon is in the path or query of a relative link
        }

        var scheme = trimmed[..colon].Trim().ToLowerInvariant();
        return AllowedSchemes.Contains(scheme) ? url : "#";
    }
}
