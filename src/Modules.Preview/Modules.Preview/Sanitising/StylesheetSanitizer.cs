using System.Collections.Concurrent;
using System.Text;
using AngleSharp.Css.Dom;
using AngleSharp.Css.Parser;

namespace CloudService.Modules.Preview.Sanitising;

/// <summary>
/// Keeps a provider's stylesheet to plain styling: style rules (also inside <c>@media</c>) whose
/// declarations load nothing and run nothing. The CSS is parsed (so escapes like <c>u\72l(</c> are
/// decoded before they are judged) and written anew; it can never close the <c>style</c> element it goes into.
/// </summary>
internal static class StylesheetSanitizer
{
    /// <summary>Stylesheets larger than this are dropped whole: styling a preview needs far less.</summary>
    public const int MaxLength = 256 * 1024;

    private static readonly string[] ForbiddenInValues =
        ["url(", "image(", "image-set(", "cross-fade(", "element(", "expression", "javascript:", "vbscript:", "@import", "\\", "binding", "behavior"];

    private static readonly string[] ForbiddenProperties = ["behavior", "-moz-binding", "-ms-behavior"];

    /// <summary>
    /// Results by stylesheet text: a plugin sends the same stylesheet with every preview, and parsing it
    /// cost more than a millisecond each time. The same text always sanitises the same way. The keys are
    /// copies, so no string of a plugin's stays referenced here.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string?> Known = new(StringComparer.Ordinal);

    private const int MaxKnown = 64;

    public static string? Sanitize(string? stylesheet)
    {
        if (string.IsNullOrWhiteSpace(stylesheet) || stylesheet.Length > MaxLength)
        {
            return null;
        }

        if (Known.TryGetValue(stylesheet, out var known))
        {
            return known;
        }

        var sanitised = SanitizeNew(stylesheet);
        if (Known.Count >= MaxKnown)
        {
            Known.Clear();
        }

        Known[new string(stylesheet.AsSpan())] = sanitised;
        return sanitised;
    }

    private static string? SanitizeNew(string stylesheet)
    {
        var sheet = new CssParser().ParseStyleSheet(stylesheet);
        var output = new StringBuilder();
        foreach (var rule in sheet.Rules)
        {
            Append(rule, output);
        }

        // Nothing in CSS needs "<" outside strings, and inside strings \3c is the same character:
        // with it gone, "</style" and "<!--" cannot appear.
        var css = output.ToString().Replace("<", "\\3c ", StringComparison.Ordinal);
        return css.Length == 0 ? null : css;
    }

    private static void Append(ICssRule rule, StringBuilder output)
    {
        switch (rule)
        {
            case ICssStyleRule style:
                foreach (var property in style.Style.ToList())
                {
                    if (!IsHarmless(property))
                    {
                        style.Style.RemoveProperty(property.Name);
                    }
                }

                if (style.Style.Length > 0)
                {
                    output.Append(style.CssText).Append('\n');
                }

                break;
            case ICssMediaRule media:
                var inner = new StringBuilder();
                foreach (var child in media.Rules)
                {
                    Append(child, inner);
                }

                if (inner.Length > 0 && !ContainsForbidden(media.ConditionText))
                {
                    output.Append("@media ").Append(media.ConditionText).Append(" {\n").Append(inner).Append("}\n");
                }

                break;
            default:
                // @import, @font-face, @namespace, @keyframes, @page, @supports...: loaders or not needed for a document.
                break;
        }
    }

    private static bool IsHarmless(ICssProperty property) =>
        !ForbiddenProperties.Contains(property.Name, StringComparer.OrdinalIgnoreCase)
        && !ContainsForbidden(property.Name)
        && !ContainsForbidden(property.Value);

    private static bool ContainsForbidden(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var compact = new string([.. text.Where(c => !char.IsWhiteSpace(c))]).ToLowerInvariant();
        return ForbiddenInValues.Any(f => compact.Contains(f, StringComparison.Ordinal)) || compact.Any(char.IsControl);
    }
}
