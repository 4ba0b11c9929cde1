using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudService.MarkdownPreview;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Plugins.MarkdownPreview;

/// <summary>The Markdown plugin's rendering: what readers see, and what hostile or pathological input cannot do.</summary>
[Trait("Category", "Unit")]
public sealed class MarkdownRenderingTests
{
    private readonly MarkdownRenderer renderer = new();

    private string Render(string markdown) => renderer.Render(markdown, CancellationToken.None);

    [Fact]
    public void CommonMark_renders_as_markdig_renders_it()
    {
        var html = Render("# Title\n\nSome *emphasis*, **strong** and `code`.\n\n```csharp\nvar x = 1 < 2;\n```\n\n> quoted\n\n1. one\n2. two\n\n---\n\n[link](https://example.com \"t\") ![alt](img.png)");
        Assert.Equal(
            "<h1>Title</h1>\n<p>Some <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>\n"
            + "<pre><code class=\"language-csharp\">var x = 1 &lt; 2;\n</code></pre>\n<blockquote>\n<p>quoted</p>\n</blockquote>\n"
            + "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n<hr />\n<p><a href=\"https://example.com\" title=\"t\">link</a> <img src=\"img.png\" alt=\"alt\" /></p>\n",
            html);
    }

    [Fact]
    public void Tables_strikethrough_autolinks_and_footnotes_are_on()
    {
        var html = Render("| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~ www.example.com and https://example.org/x\n\nSaid.[^n]\n\n[^n]: Source.");
        Assert.Contains("<table>\n<thead>\n<tr>\n<th>a</th>\n<th style=\"text-align: right;\">b</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>1</td>", html, StringComparison.Ordinal);
        Assert.Contains("<del>gone</del>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"http://www.example.com\">www.example.com</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.org/x\">https://example.org/x</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a id=\"fnref:1\" href=\"#fn:1\" class=\"footnote-ref\"><sup>1</sup></a>", html, StringComparison.Ordinal);
        Assert.Contains("<div class=\"footnotes\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_list_boxes_are_characters_not_form_inputs()
    {
        var html = Render("- [x] done\n- [ ] to do");
        Assert.DoesNotContain("<input", html, StringComparison.Ordinal);
        Assert.Contains("<li class=\"task-list-item\"><span class=\"task-list-item-checkbox checked\" title=\"done\">&#x2611;</span> done</li>", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"task-list-item-checkbox\" title=\"to do\">&#x2610;</span> to do", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_html_is_shown_as_text_and_script_links_go_nowhere()
    {
        var html = Render("<script>alert(1)</script>\n\nInline <b onclick=\"x()\">bold</b> <img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c]( data:text/html,x) <vbscript:x> [ok](mailto:a@b.c) [rel](docs/a:b.md)");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b onclick=&quot;x()&quot;&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"vbscript", html, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(html, "href=\"#\""));
        Assert.Contains("<a href=\"mailto:a@b.c\">ok</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"docs/a:b.md\">rel</a>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[a](")]
    [InlineData("![a](")]
    public void Input_that_makes_markdig_quadratic_stops_at_the_time_budget_and_shows_as_plain_text(string unit)
    {
        // ~160 KB of it takes Markdig 12-15 s (FACTS.md); the budget here is 200 ms.
        var markdown = string.Concat(Enumerable.Repeat(unit, 160_000 / unit.Length));
        var html = new MarkdownRenderer(TimeSpan.FromMilliseconds(200)).Render(markdown, CancellationToken.None);
        Assert.StartsWith("<p class=\"preview-note\"><em>This document is not rendered as Markdown because it is too complex to render in time.</em></p>", html, StringComparison.Ordinal);
        Assert.Contains($"<pre>{System.Net.WebUtility.HtmlEncode(unit)}", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Thousands_of_identical_headings_render_without_generated_identifiers()
    {
        var html = Render(string.Concat(Enumerable.Repeat("## Same\n\n", 5000)));
        Assert.Equal(5000, Regex.Count(html, "<h2>Same</h2>"));
        Assert.DoesNotContain(" id=", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_shows_as_plain_text()
    {
        Assert.Contains("<blockquote>", Render(new string('>', 20) + " fine"), StringComparison.Ordinal);
        var html = Render(new string('>', 1000) + " deep");
        Assert.StartsWith("<p class=\"preview-note\"><em>This document is not rendered as Markdown because it is nested too deeply.</em></p>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_render_throws_instead_of_finishing_even_in_the_middle_of_a_slow_parse()
    {
        Assert.Throws<OperationCanceledException>(() => renderer.Render("# x", new CancellationToken(canceled: true)));

        var slow = string.Concat(Enumerable.Repeat("[a](", 40_000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.Throws<OperationCanceledException>(() => new MarkdownRenderer(TimeSpan.FromMinutes(1)).Render(slow, cancel.Token));
    }

    [Fact]
    public void Text_longer_than_the_cap_shows_its_beginning_as_plain_text()
    {
        var html = Render(new string('a', MarkdownRenderer.MaxInputBytes + 10));
        Assert.Contains("larger than 1 MiB", html, StringComparison.Ordinal);
        Assert.True(html.Length < MarkdownRenderer.MaxInputBytes + 500);
    }

    [Theory]
    [InlineData("readme.md", "text/markdown", true)]
    [InlineData("README", "Text/Markdown; charset=utf-8", true)]
    [InlineData("notes.txt", "text/x-markdown", true)]
    [InlineData("notes.md", "text/plain", true)]
    [InlineData("notes.MARKDOWN", "text/plain", true)]
    [InlineData("notes.md", "application/octet-stream", true)]
    [InlineData("notes.txt", "text/plain", false)]
    [InlineData("image.md", "image/png", false)]
    [InlineData("page.html", "text/html", false)]
    public void The_provider_accepts_markdown_types_and_md_files_stored_as_plain_text(string name, string contentType, bool accepted)
    {
        var provider = new MarkdownPreviewProvider(renderer);
        Assert.Equal(accepted, provider.CanPreview(new PreviewFile(name, contentType, 100)));
        Assert.Equal(["text/markdown", "text/x-markdown"], provider.SupportedMimeTypes);
    }

    [Fact]
    public async Task The_provider_leaves_files_over_the_cap_to_the_host_and_refuses_a_stream_longer_than_announced()
    {
        var provider = new MarkdownPreviewProvider(renderer);
        Assert.False(provider.CanPreview(new PreviewFile("big.md", "text/markdown", MarkdownRenderer.MaxInputBytes + 1)));

        using var tooLong = new MemoryStream(new byte[MarkdownRenderer.MaxInputBytes + 1]);
        var file = new PreviewFile("liar.md", "text/markdown", 10);
        await Assert.ThrowsAsync<InvalidDataException>(() => provider.RenderAsync(file, tooLong, CancellationToken.None));
    }

    [Theory]
    [InlineData("utf-8 with BOM")]
    [InlineData("utf-16 LE with BOM")]
    [InlineData("utf-8")]
    public async Task The_provider_decodes_the_text_and_returns_its_stylesheet(string encoding)
    {
        var text = "# Grüße ✓";
        var bytes = encoding switch
        {
            "utf-8 with BOM" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)],
            "utf-16 LE with BOM" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
            _ => Encoding.UTF8.GetBytes(text),
        };
        var provider = new MarkdownPreviewProvider(renderer);
        using var content = new MemoryStream(bytes);

        var result = await provider.RenderAsync(new PreviewFile("g.md", "text/markdown", bytes.Length), content, CancellationToken.None);

        Assert.Equal("<h1>Grüße ✓</h1>\n", result.Html);
        Assert.NotNull(result.Stylesheet);
    }

    [Fact]
    public void The_stylesheet_styles_reading_and_loads_nothing()
    {
        var css = Stylesheet.Css;
        Assert.Matches(@"h1 \{[^}]*border-bottom", css);
        Assert.Matches(@"pre \{[^}]*background", css);
        Assert.Matches(@"th, td \{[^}]*border", css);
        Assert.Contains("tbody tr:nth-child(even)", css, StringComparison.Ordinal);
        Assert.Matches(@"blockquote \{[^}]*border-left", css);
        Assert.Matches(@"a \{[^}]*color: #0969da", css);
        Assert.DoesNotContain("url(", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expression", css, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_manifest_matches_the_assembly_and_names_the_entry_point()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "plugins", "MarkdownPreview", "plugin.json"))).RootElement;
        var assembly = typeof(MarkdownPreviewPlugin).Assembly;
        Assert.Equal("markdown-preview", manifest.GetProperty("id").GetString());
        Assert.Equal(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0], manifest.GetProperty("version").GetString());
        Assert.Equal(Path.GetFileName(assembly.Location), manifest.GetProperty("entryAssembly").GetString());
        Assert.Equal(["text/markdown", "text/x-markdown"], manifest.GetProperty("mimeTypes").EnumerateArray().Select(m => m.GetString()));
    }
}
