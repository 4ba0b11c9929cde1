using System.Text;
using CloudService.MarkdownPreview;

namespace CloudService.Tests.Plugins.MarkdownPreview;

/// <summary>
/// The Markdown plugin's shape budgets (issue 23): the pathological shapes are recognised by counting,
/// before Markdig parses, and shown as plain text with the reason; ordinary documents are not touched.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ShapeBudgetTests
{
    private static readonly MarkdownRenderer Renderer = new();

    private const string Note = "<p class=\"preview-note\"><em>This document is not rendered as Markdown because ";

    public static TheoryData<string, string, string> Pathological() => new()
    {
        // The flood: 300,000 reference links in 983 KB.
        { "reference-link flood", "[a]: https://example.com\n\n" + string.Concat(Enumerable.Repeat("[a] ", 240_000)), "it has more than 20,000 links" },
        { "repeated link openers", string.Concat(Enumerable.Repeat("[a](", 40_000)), "it has more than 5,000 inline links" },
        { "repeated image openers", string.Concat(Enumerable.Repeat("![a](", 32_000)), "it has more than 5,000 inline links" },
        { "reference definitions", string.Concat(Enumerable.Range(0, 6_000).Select(i => $"[l{i}]: https://example.com/{i}\n")), "it defines more than 5,000 link references" },
        { "huge table", "| a | b |\n|---|---|\n" + string.Concat(Enumerable.Repeat("| 1 | 2 |\n", 20_000)), "its tables have more than 50,000 cells" },
        { "deep quotes", new string('>', 1000) + " deep", "it is nested too deeply" },
        { "deep quotes with spaces", string.Concat(Enumerable.Repeat("> ", 100)) + "deep", "it is nested too deeply" },
        { "deep brackets", new string('[', 5000) + "x" + new string(']', 5000), "it is nested too deeply" },
    };

    [Theory]
    [MemberData(nameof(Pathological))]
    public void A_pathological_shape_is_shown_as_plain_text_with_the_reason(string name, string markdown, string reason)
    {
        Assert.Equal(reason, ShapeBudget.Check(markdown));
        var html = Renderer.Render(markdown, CancellationToken.None);
        Assert.True(html.StartsWith(Note + reason + ".</em></p>", StringComparison.Ordinal), name);
    }

    [Fact]
    public void A_long_ordinary_document_is_within_every_budget()
    {
        var markdown = new StringBuilder();
        for (var i = 0; i < 2_000; i++)
        {
            markdown.Append($"## Section {i}\n\nSome [link](https://example.com/{i}) and a [reference][r]; ![image](i{i}.png)\n\n> a quote\n> > nested\n\n| a | b |\n|---|---|\n| {i} | x |\n\n");
        }

        markdown.Append("[r]: https://example.com\n");
        Assert.Null(ShapeBudget.Check(markdown.ToString()));
        // Rendered, too (a part of it: the whole would test the time budget on a busy machine, not the shape budgets).
        Assert.DoesNotContain("preview-note", Renderer.Render(markdown.ToString()[..20_000], CancellationToken.None), StringComparison.Ordinal);
    }
}
