using CloudService.Modules.Preview.Sanitising;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>The sanitiser's rule for URLs in href, src and cite: relative, or a scheme on the list; anything else goes.</summary>
[Trait("Category", "Unit")]
public sealed class UrlRuleTests
{
    [Theory]
    [InlineData("docs/page.md")]
    [InlineData("../up/page.md#part")]
    [InlineData("#fn:1")]
    [InlineData("/abs/path:with-colon")]
    [InlineData("https://example.com/a?b=c:d#e")]
    [InlineData("HTTP://EXAMPLE.COM")]
    [InlineData("  mailto:someone@example.com")]
    [InlineData("")]
    public void Relative_urls_and_allowed_schemes_are_kept(string url) => Assert.True(PreviewSanitizer.IsSafeUrl(url), url);

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData(" \t\njavascript:alert(1)")]
    [InlineData("JaVaScRiPt:alert(1)")]
    [InlineData("java\tscript:alert(1)")]
    [InlineData("\u000Ejavascript:alert(1)")]
    [InlineData("javascript&#58;alert(1)")]
    [InlineData("javascript&#x003A;alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("ftp://example.com/file")]
    public void Other_schemes_and_disguised_ones_are_dropped(string url) => Assert.False(PreviewSanitizer.IsSafeUrl(url), url);

    [Fact]
    public void A_dropped_url_takes_only_its_attribute_with_it()
    {
        var sanitised = new PreviewSanitizer().Sanitize("<p><a href=\"java&#x09;script:alert(1)\" title=\"t\">x</a> <img src=\"data:image/png;base64,AAAA\" alt=\"a\"></p>");
        Assert.Equal("<p><a title=\"t\">x</a> <img alt=\"a\"></p>", sanitised);
    }

    [Fact]
    public void Comments_and_markup_inside_them_never_reach_the_output()
    {
        var sanitised = new PreviewSanitizer().Sanitize("<p>a<!-- <img src=x onerror=alert(1)> -->b</p><!--[if IE]><script>alert(1)</script><![endif]-->");
        Assert.Equal("<p>ab</p>", sanitised);
    }
}
