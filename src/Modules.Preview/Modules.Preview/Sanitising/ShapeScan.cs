using System.Collections.Frozen;

namespace CloudService.Modules.Preview.Sanitising;

/// <summary>A fragment the sanitiser refuses to process: too many elements, too deep, or too slow.</summary>
internal sealed class SanitizeLimitException(string reason, bool timedOut = false) : Exception(reason)
{
    /// <summary>Why, as the end of "The preview was refused because …".</summary>
    public string Reason => Message;

    public bool TimedOut => timedOut;
}

/// <summary>
/// One pass over a fragment's markup, before the HTML parser sees it, that counts start tags and
/// follows the nesting with a stack of open element names, the way the parser's tree builder would:
/// void and self-closed elements do not nest, an end tag closes up to its element unless a scope
/// boundary (a table cell, a table, a template...) lies between, list items and paragraphs close their
/// open sibling, and the content of raw-text elements (script, style...) is skipped. Where it differs
/// from the parser it errs towards deeper, so it refuses rather than lets a deep tree through.
/// Linear in the input; the stack never grows past <see cref="PreviewSanitizer.MaxDepth"/>.
/// </summary>
internal static class ShapeScan
{
    private static readonly FrozenSet<string> Void = FrozenSet.Create(StringComparer.Ordinal,
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen", "frame", "basefont", "bgsound"]);

    private static readonly FrozenSet<string> RawText = FrozenSet.Create(StringComparer.Ordinal,
        ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]);

    /// <summary>Elements a start tag of the same name closes when it is the current one.</summary>
    private static readonly FrozenSet<string> SelfClosingSiblings = FrozenSet.Create(StringComparer.Ordinal,
        ["p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rt", "rp", "thead", "tbody", "tfoot", "colgroup"]);

    /// <summary>Elements an end tag of another name does not close across (the parser's "in scope" boundaries).</summary>
    private static readonly FrozenSet<string> ScopeBoundaries = FrozenSet.Create(StringComparer.Ordinal,
        ["td", "th", "table", "caption", "template", "marquee", "object", "applet", "html", "svg", "math"]);

    public static void Check(string html)
    {
        var open = new List<string>();
        var elements = 0;
        var i = 0;
        while ((i = html.IndexOf('<', i)) >= 0 && i + 1 < html.Length)
        {
            var next = html[i + 1];
            if (next == '!')
            {
                // A comment (or doctype, CDATA): skipped whole.
                var end = html.AsSpan(i).StartsWith("<!--", StringComparison.Ordinal) ? html.IndexOf("-->", i + 4, StringComparison.Ordinal) : html.IndexOf('>', i);
                i = end < 0 ? html.Length : end + 1;
                continue;
            }

            var closing = next == '/';
            var nameStart = closing ? i + 2 : i + 1;
            var nameEnd = nameStart;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] is '-' or ':'))
            {
                nameEnd++;
            }

            if (nameEnd == nameStart || !char.IsAsciiLetter(html[nameStart]))
            {
                i++;
                continue; // text, not a tag
            }

            var name = html[nameStart..nameEnd].ToLowerInvariant();
            var tagEnd = html.IndexOf('>', nameEnd);
            if (tagEnd < 0)
            {
                return;
            }

            if (closing)
            {
                Close(open, name);
                i = tagEnd + 1;
                continue;
            }

            if (++elements > PreviewSanitizer.MaxElements)
            {
                throw new SanitizeLimitException($"it has more than {PreviewSanitizer.MaxElements:N0} elements");
            }

            i = tagEnd + 1;
            if (Void.Contains(name) || html[tagEnd - 1] == '/')
            {
                continue;
            }

            if (RawText.Contains(name))
            {
                var end = html.IndexOf("</" + name, i, StringComparison.OrdinalIgnoreCase);
                i = end < 0 ? html.Length : end;
                continue;
            }

            if (SelfClosingSiblings.Contains(name) && open.Count > 0 && open[^1] == name)
            {
                open.RemoveAt(open.Count - 1);
            }

            open.Add(name);
            if (open.Count > PreviewSanitizer.MaxDepth)
            {
                throw new SanitizeLimitException($"its elements nest more than {PreviewSanitizer.MaxDepth} deep");
            }
        }
    }

    private static void Close(List<string> open, string name)
    {
        for (var at = open.Count - 1; at >= 0; at--)
        {
            if (open[at] == name)
            {
                open.RemoveRange(at, open.Count - at);
                return;
            }

            if (ScopeBoundaries.Contains(open[at]))
            {
                return; // the parser ignores it: nothing closes
            }
        }
    }
}
