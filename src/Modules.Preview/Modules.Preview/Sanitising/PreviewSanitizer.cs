using System.Collections.Frozen;
using System.Diagnostics;
using System.Text.RegularExpressions;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;

namespace CloudService.Modules.Preview.Sanitising;

/// <summary>
/// Makes an untrusted HTML fragment safe to show: an allow-list for documents (text, lists, tables,
/// links, images), nothing that runs, loads active content, submits or restyles beyond text alignment.
/// What ordinary Markdown produces (Markdig's CommonMark, tables, task lists, footnotes) passes unchanged.
/// Images lose their source unless <c>AllowRemoteImages</c> is on (issue 23): loading one from another
/// site would tell its author who opened the file and when.
/// <para>
/// Bounded (issue 23): before the parse, one linear scan (<see cref="ShapeScan"/>) refuses a fragment with
/// more than <see cref="MaxElements"/> elements or nested deeper than <see cref="MaxDepth"/> — the HTML
/// parser's cost grows with the depth for every element, and deep trees overflow the stack of a
/// recursive serialiser — and the walk stops at its deadline. Either throws <see cref="SanitizeLimitException"/>.
/// </para>
/// <para>
/// One parse by the HTML5 parser browsers follow (AngleSharp, with scripting on, as in a browser),
/// one walk over the tree that keeps only what the lists allow, one serialisation that escapes what
/// it writes (HtmlSanitizer's formatter: also &lt; and &gt; in attribute values). The rules are
/// HtmlSanitizer's with this allow-list, applied in a single pass: its general-purpose pipeline (a
/// CSS-aware parser, a selector query per rule, a CSS parse per style attribute, URL objects) cost
/// several times more than the parse itself on a long document (ADR 4).
/// </para>
/// </summary>
internal sealed partial class PreviewSanitizer(bool allowRemoteImages = false)
{
    /// <summary>The most elements a fragment may have (a 1 MiB Markdown file of ordinary prose makes a few ten thousand).</summary>
    public const int MaxElements = 100_000;

    /// <summary>The deepest nesting of elements a fragment may have (Markdown nests blocks at most 64 deep).</summary>
    public const int MaxDepth = 256;

    private static readonly FrozenSet<string> Tags = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
    [
        "p", "div", "span", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "kbd", "samp", "var",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
        "figure", "figcaption", "section", "article", "header", "footer", "aside", "address", "details", "summary",
        "a", "img", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "abbr", "cite", "q", "dfn",
        "time", "bdi", "bdo", "wbr", "ruby", "rt", "rp",
        // Only as a disabled checkbox (Markdig's task lists); anything else is removed below. No form can exist to submit it.
        "input",
    ]);

    private static readonly FrozenSet<string> Attributes = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
    [
        "id", "class", "title", "lang", "dir", "align", "valign",
        "href", "src", "alt", "width", "height", "cite", "datetime",
        "colspan", "rowspan", "scope", "headers", "span", "start", "reversed", "value", "open",
        "type", "checked", "disabled",
    ]);

    /// <summary>The allowed attributes that hold a URL; each must be relative or use an allowed scheme.</summary>
    private static readonly FrozenSet<string> UrlAttributes = FrozenSet.Create(StringComparer.OrdinalIgnoreCase, ["href", "src", "cite"]);

    private static readonly FrozenSet<string> Schemes = FrozenSet.Create(StringComparer.OrdinalIgnoreCase, ["http", "https", "mailto"]);

    private const string HtmlNamespace = "http://www.w3.org/1999/xhtml";

    /// <summary>
    /// Safe to share between threads: every parse builds a document of its own. No source positions
    /// (nothing here reports them) and no comment nodes (they never reach the output).
    /// </summary>
    private readonly HtmlParser parser = new(
        new HtmlParserOptions { IsScripting = true, DisableElementPositionTracking = true, SkipComments = true },
        BrowsingContext.New(Configuration.Default));

    public string Sanitize(string html) => Sanitize(html, Timeout.InfiniteTimeSpan);

    /// <summary>Sanitises within <paramref name="budget"/>; throws <see cref="SanitizeLimitException"/> when the fragment is too large, too deep or too slow.</summary>
    public string Sanitize(string html, TimeSpan budget)
    {
        if (string.IsNullOrEmpty(html))
        {
            return "";
        }

        var deadline = budget == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        ShapeScan.Check(html);
        using var document = parser.ParseDocument("<!doctype html><html><body>" + html);
        var body = document.Body!;
        Clean(body, deadline);
        return body.ChildNodes.ToHtml(HtmlFormatter.Instance);
    }

    /// <summary>
    /// Walks everything below <paramref name="root"/> in document order along the tree's own links: no
    /// recursion (hostile input may nest without limit) and no collection of nodes up front. A node that
    /// is not allowed goes with everything inside it, unvisited.
    /// </summary>
    private void Clean(IElement root, long deadline)
    {
        var node = root.FirstChild;
        var visited = 0;
        while (node is not null)
        {
            if ((++visited & 1023) == 0 && Stopwatch.GetTimestamp() > deadline)
            {
                throw new SanitizeLimitException("it took too long to sanitise", timedOut: true);
            }

            var keep = node switch
            {
                IElement element => CleanElement(element),
                IText => true,
                // Comments (and what HTML turns into comments: processing instructions, CDATA) never reach the output.
                _ => false,
            };

            var next = keep ? node.FirstChild : null;
            if (next is null)
            {
                // Nothing to visit below: the next sibling, else the next sibling of the nearest ancestor that has one.
                var from = node;
                while (from != root && from.NextSibling is null)
                {
                    from = from.Parent!;
                }

                next = from == root ? null : from.NextSibling;
            }

            if (!keep)
            {
                ((IChildNode)node).Remove();
            }

            node = next;
        }
    }

    /// <summary>Cleans the element's attributes; false when the element must go (with its content).</summary>
    private bool CleanElement(IElement element)
    {
        // HTML elements only: an allowed name inside SVG or MathML is another element with other rules.
        if (element.NamespaceUri != HtmlNamespace || !Tags.Contains(element.LocalName))
        {
            return false;
        }

        for (var i = element.Attributes.Length - 1; i >= 0; i--)
        {
            var attribute = element.Attributes[i]!;
            if (!IsAllowed(attribute.Name, attribute.Value) || (!allowRemoteImages && IsImageSource(element, attribute.Name)))
            {
                element.RemoveAttribute(attribute.NamespaceUri, attribute.LocalName);
            }
        }

        if (element.LocalName == "input")
        {
            if (!string.Equals(element.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (!element.HasAttribute("disabled"))
            {
                element.SetAttribute("disabled", "disabled");
            }
        }

        return true;
    }

    /// <summary>
    /// An image's source, when images are not allowed: a remote one would tell its author who opened the
    /// file, and a relative one could not load in the frame anyway (its policy is <c>img-src 'none'</c>).
    /// </summary>
    private static bool IsImageSource(IElement element, string name) =>
        element.LocalName == "img" && name.Equals("src", StringComparison.OrdinalIgnoreCase);

    private static bool IsAllowed(string name, string value)
    {
        // "&{" was a script include in old browsers; no document needs it in an attribute.
        if (value.Contains("&{", StringComparison.Ordinal))
        {
            return false;
        }

        if (name.Equals("style", StringComparison.OrdinalIgnoreCase))
        {
            // One exact form is kept as written, a single text-align (Markdig's table column alignment).
            // Matched whole instead of parsed as CSS: nothing can ride along.
            return TextAlignOnly().IsMatch(value);
        }

        return Attributes.Contains(name) && (!UrlAttributes.Contains(name) || IsSafeUrl(value));
    }

    /// <summary>
    /// A URL is kept when it is relative or its scheme is allowed. The scheme is whatever comes before
    /// the first colon (also an encoded one, <c>&amp;#58</c> or <c>&amp;#x3a</c>) that no slash or
    /// fragment mark precedes, after leading white space; any other scheme, and anything odd in one
    /// (a control character, a tab), removes the attribute.
    /// </summary>
    internal static bool IsSafeUrl(string url)
    {
        var text = url.AsSpan().TrimStart();
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '/' or '#':
                    return true;
                case ':':
                    return Schemes.Contains(text[..i].ToString());
                case '&' when IsEncodedColon(text[i..]):
                    return Schemes.Contains(text[..i].ToString());
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="text"/> starts with a numeric character reference to ':' (58, 0x3a; leading zeros allowed).</summary>
    private static bool IsEncodedColon(ReadOnlySpan<char> text)
    {
        if (!text.StartsWith("&#"))
        {
            return false;
        }

        var rest = text[2..];
        var hex = rest.Length > 0 && rest[0] is 'x' or 'X';
        if (hex)
        {
            rest = rest[1..];
        }

        rest = rest.TrimStart('0');
        return hex ? rest.StartsWith("3a", StringComparison.OrdinalIgnoreCase) : rest.StartsWith("58");
    }

    [GeneratedRegex(@"^\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TextAlignOnly();
}
