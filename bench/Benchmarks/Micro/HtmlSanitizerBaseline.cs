using System.Text.RegularExpressions;
using AngleSharp;
using AngleSharp.Css.Dom;
using AngleSharp.Dom;
using Ganss.Xss;

namespace CloudService.Benchmarks.Micro;

/// <summary>
/// The sanitiser the app used before issue 8 (HtmlSanitizer with the same allow-list), kept here only
/// so every run measures the present one against it.
/// </summary>
internal sealed partial class HtmlSanitizerBaseline
{
    private static readonly string[] Tags =
    [
        "p", "div", "span", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "kbd", "samp", "var",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
        "figure", "figcaption", "section", "article", "header", "footer", "aside", "address", "details", "summary",
        "a", "img", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "abbr", "cite", "q", "dfn",
        "time", "bdi", "bdo", "wbr", "ruby", "rt", "rp",
        // Only as a disabled checkbox (Markdig's task lists); anything else is removed below. No form can exist to submit it.
        "input",
    ];

    private static readonly string[] Attributes =
    [
        "id", "class", "title", "lang", "dir", "align", "valign",
        "href", "src", "alt", "width", "height", "cite", "datetime",
        "colspan", "rowspan", "scope", "headers", "span", "start", "reversed", "value", "open",
        "type", "checked", "disabled",
    ];

    private readonly HtmlSanitizer sanitizer;

    public HtmlSanitizerBaseline()
    {
        sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(Attributes, StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href", "src", "cite", "action", "formaction", "background", "poster", "longdesc", "usemap", "xlink:href"], StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<CssRuleType>(),
        })
        {
            AllowDataAttributes = false,
            KeepChildNodes = false,
        };
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IElement { LocalName: "input" } input)
            {
                if (!string.Equals(input.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
                {
                    input.Remove();
                }
                else if (!input.HasAttribute("disabled"))
                {
                    input.SetAttribute("disabled", "disabled");
                }
            }
        };
    }

    public string Sanitize(string html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return "";
        }

        var document = sanitizer.HtmlParserFactory().ParseDocument("<!doctype html><html><body>" + html);
        var body = document.Body!;
        // "style" is not on the allow-list: one exact form is kept as written, a single text-align (Markdig's
        // table column alignment). Matched whole instead of parsed as CSS: nothing can ride along, and no CSS
        // parser runs per table cell (that cost more than all the rest of sanitising a long table).
        var aligned = new List<(IElement Element, string Style)>();
        foreach (var element in body.QuerySelectorAll("[style]"))
        {
            var style = element.GetAttribute("style")!;
            if (TextAlignOnly().IsMatch(style))
            {
                aligned.Add((element, style));
            }

            element.RemoveAttribute("style");
        }

        sanitizer.SanitizeDom(document, body);
        foreach (var (element, style) in aligned)
        {
            element.SetAttribute("style", style);
        }

        return body.ChildNodes.ToHtml(sanitizer.OutputFormatter);
    }

    [GeneratedRegex(@"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TextAlignOnly();
}
