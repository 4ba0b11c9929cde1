using System.Text;
using CloudService.Modules.Preview.Sanitising;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>
/// The sanitiser is bounded (issue 23): fragments that cost minutes before (300,000 links: 113 s of CPU;
/// 100,000 nested divs: 170 s) are refused by a linear scan before the HTML parser sees them, with a
/// reason; what ordinary documents look like still passes.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SanitizerLimitsTests
{
    private static readonly PreviewSanitizer Sanitizer = new();

    [Fact]
    public void Three_hundred_thousand_links_are_refused_for_their_number()
    {
        var html = new StringBuilder("<p>");
        for (var i = 0; i < 300_000; i++)
        {
            html.Append("<a href=\"https://example.com/").Append(i).Append("\">l</a> ");
        }

        var refused = Assert.Throws<SanitizeLimitException>(() => Sanitizer.Sanitize(html.Append("</p>").ToString(), TimeSpan.FromSeconds(10)));
        Assert.Equal($"it has more than {PreviewSanitizer.MaxElements:N0} elements", refused.Reason);
        Assert.False(refused.TimedOut);
    }

    [Fact]
    public void A_hundred_thousand_nested_divs_are_refused_for_their_depth()
    {
        var html = string.Concat(Enumerable.Repeat("<div>", 100_000)) + "deep" + string.Concat(Enumerable.Repeat("</div>", 100_000));
        var refused = Assert.Throws<SanitizeLimitException>(() => Sanitizer.Sanitize(html, TimeSpan.FromSeconds(10)));
        Assert.Equal($"its elements nest more than {PreviewSanitizer.MaxDepth} deep", refused.Reason);
    }

    [Theory]
    [InlineData("unclosed divs", "<div>", "")]
    [InlineData("end tags the parser ignores across a table cell", "<div><table><tr><td></div>", "")]
    [InlineData("stray end tags of other elements", "<div></span></p>", "")]
    [InlineData("formatting elements left open", "<b><i>", "")]
    public void Nesting_the_parser_would_build_is_counted_however_it_is_written(string name, string unit, string end)
    {
        var html = string.Concat(Enumerable.Repeat(unit, 20_000)) + end;
        var refused = Assert.Throws<SanitizeLimitException>(() => Sanitizer.Sanitize(html, TimeSpan.FromSeconds(10)));
        Assert.True(refused.Reason.Contains("deep", StringComparison.Ordinal), name);
    }

    [Fact]
    public void Many_siblings_and_closed_nesting_within_the_limits_pass_unchanged()
    {
        var siblings = string.Concat(Enumerable.Repeat("<li><p>item <a href=\"#x\">x</a></p></li>", 20_000));
        Assert.Equal($"<ul>{siblings}</ul>", Sanitizer.Sanitize($"<ul>{siblings}</ul>", TimeSpan.FromSeconds(30)));

        var nested = string.Concat(Enumerable.Repeat("<blockquote>", 200)) + "x" + string.Concat(Enumerable.Repeat("</blockquote>", 200));
        Assert.Equal(nested, Sanitizer.Sanitize(nested, TimeSpan.FromSeconds(30)));

        // Unclosed paragraphs and list items close each other, as in the parser.
        var loose = string.Concat(Enumerable.Repeat("<li>a", 1000));
        Assert.Contains("<li>a</li><li>a</li>", Sanitizer.Sanitize($"<ul>{loose}</ul>", TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
    }

    [Fact]
    public void Markup_inside_comments_and_raw_text_is_not_counted()
    {
        var hidden = "<!--" + string.Concat(Enumerable.Repeat("<div>", 1000)) + "--><style>" + string.Concat(Enumerable.Repeat("<div>", 1000)) + "</style><p>x</p>";
        Assert.Equal("<p>x</p>", Sanitizer.Sanitize(hidden, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Running_out_of_time_is_a_timed_out_refusal()
    {
        var html = string.Concat(Enumerable.Repeat("<p>x</p>", 5_000));
        var refused = Assert.Throws<SanitizeLimitException>(() => Sanitizer.Sanitize(html, TimeSpan.Zero));
        Assert.True(refused.TimedOut);
    }
}
