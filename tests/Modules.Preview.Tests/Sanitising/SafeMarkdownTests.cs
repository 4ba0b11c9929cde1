using AngleSharp.Html.Parser;
using CloudService.Modules.Preview.Sanitising;
using Markdig;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>Sanitising must not damage ordinary Markdown: what Markdig renders from safe constructs comes out the same.</summary>
[Trait("Category", "Unit")]
public sealed class SafeMarkdownTests
{
    private static readonly MarkdownPipeline Markdig = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    private static readonly PreviewSanitizer Sanitizer = new();

    public static TheoryData<string, string> SafeMarkdown() => new()
    {
        { "headings", "# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six\n\nSetext\n======\n" },
        { "emphasis", "*em* _em_ **strong** __strong__ ***both*** ~~struck~~ `code` H~2~O x^2^ ++inserted++ ==marked==" },
        { "lists", "- a\n- b\n  - nested\n    1. deep\n\n3. three\n4. four\n\n* loose\n\n* list\n" },
        { "code blocks", "```csharp\nvar x = \"<b>not bold</b>\";\n```\n\n    indented <code>\n\n~~~\nplain & simple\n~~~\n" },
        { "table with alignment", "| left | center | right |\n|:-----|:------:|------:|\n| a | **b** | `c` |\n| 1 | 2 | 3 |\n" },
        { "blockquotes", "> quoted\n>\n> > nested *quote*\n" },
        { "links", "[inline](https://example.com/a?b=c&d=e \"Title\") [relative](docs/page.md) [fragment](#headings) <https://example.com> mail@example.com [ref][r]\n\n[r]: http://example.com/ref \"Ref\"\n" },
        { "images", "![alt text](https://example.com/image.png \"Image title\") ![plain](http://example.com/p.jpg)\n" },
        { "footnotes", "A claim[^1] and another[^note].\n\n[^1]: The first note.\n[^note]: A named note with `code`.\n" },
        { "task lists", "- [x] done\n- [ ] to do\n- [X] also done\n" },
        { "thematic breaks and line breaks", "one  \ntwo\\\nthree\n\n---\n\n***\n" },
        { "definition lists and abbreviations", "Term\n:   Definition of *term*\n\n*[HTML]: Hyper Text Markup Language\n\nHTML is old.\n" },
        { "entities and escapes", "&copy; &amp; &lt;tag&gt; \\*not em\\* 5 < 6 > 4 \"quotes\" 'apostrophes'\n" },
        { "safe inline HTML", "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, <abbr title=\"abbreviation\">abbr</abbr>.\n\n<details><summary>More</summary>\n\nHidden *text*.\n\n</details>\n" },
        { "auto identifiers", "# Hello, World!\n\n## Hello, World!\n\n## Ünïcödé heading\n" },
        { "figures and citations", "^^^\n![fig](https://example.com/f.png)\n^^^ Caption\n\n\"\"Cited work\"\"\n" },
        { "math", "Inline $x^2$ and\n\n$$\n\\sum_i x_i\n$$\n" },
        { "custom containers", ":::warning\nCareful *here*.\n:::\n" },
    };

    [Theory]
    [MemberData(nameof(SafeMarkdown))]
    public void Safe_markdown_renders_exactly_as_markdig_renders_it(string name, string markdown)
    {
        var rendered = Markdown.ToHtml(markdown, Markdig);
        var sanitised = Sanitizer.Sanitize(rendered);
        Assert.True(Normalise(rendered) == Normalise(sanitised), $"{name}:\nMarkdig:   {Normalise(rendered)}\nSanitised: {Normalise(sanitised)}");
    }

    [Fact]
    public void The_comparison_notices_a_changed_document()
    {
        Assert.NotEqual(Normalise("<p><a href=\"https://a.example\">x</a></p>"), Normalise("<p><a>x</a></p>"));
        Assert.NotEqual(Normalise("<table><tr><td style=\"text-align: right;\">x</td></tr></table>"), Normalise("<table><tr><td>x</td></tr></table>"));
    }

    [Fact]
    public void Alerts_keep_their_title_and_text_but_lose_the_svg_icon()
    {
        var sanitised = Sanitizer.Sanitize(Markdown.ToHtml("> [!NOTE]\n> Mind the *gap*.\n", Markdig));
        Assert.Contains("<p class=\"markdown-alert-title\">Note</p>", sanitised, StringComparison.Ordinal);
        Assert.Contains("Mind the <em>gap</em>.", sanitised, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", sanitised, StringComparison.Ordinal);
    }

    [Fact]
    public void Grid_table_column_widths_are_dropped_with_every_style_but_text_align()
    {
        var sanitised = Sanitizer.Sanitize(Markdown.ToHtml("+---+---+\n| a | b |\n+===+===+\n| 1 | 2 |\n+---+---+\n", Markdig));
        Assert.Contains("<col>", sanitised, StringComparison.Ordinal);
        Assert.DoesNotContain("width", sanitised, StringComparison.Ordinal);
        Assert.Contains("<td>2</td>", sanitised, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same DOM serialised the same way: the sanitiser re-serialises (void elements lose their
    /// "/", entities become characters), which no browser sees; style values are compared without a final semicolon.
    /// </summary>
    private static string Normalise(string html)
    {
        var document = new HtmlParser().ParseDocument("<!doctype html><body>" + html);
        foreach (var element in document.Body!.QuerySelectorAll("[style]"))
        {
            element.SetAttribute("style", element.GetAttribute("style")!.Trim().TrimEnd(';').Trim());
        }

        return document.Body.InnerHtml.Trim();
    }
}
