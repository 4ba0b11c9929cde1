using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>
/// An independent judge of HTML, written apart from the sanitiser's allow-list: it lists what in a
/// document could run script, load active content, submit data, restyle the page or redirect it.
/// The corpus tests show it finds something in every hostile input and nothing in the sanitised output.
/// </summary>
internal static partial class SafetyCheck
{
    private static readonly HashSet<string> ForbiddenElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "form", "button", "textarea",
        "select", "option", "optgroup", "svg", "math", "base", "meta", "link", "template", "noscript", "audio", "video",
        "source", "track", "canvas", "portal", "isindex", "keygen", "marquee", "xmp", "plaintext", "noembed", "noframes", "dialog",
    };

    private static readonly HashSet<string> ForbiddenAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        "srcset", "srcdoc", "action", "formaction", "xlink:href", "background", "poster", "dynsrc", "lowsrc", "http-equiv", "autofocus",
    };

    private static readonly HashSet<string> UrlAttributes = new(StringComparer.OrdinalIgnoreCase) { "href", "src", "cite", "data", "codebase" };

    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    public static IReadOnlyList<string> Violations(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var found = new List<string>();
        foreach (var element in document.All)
        {
            if (ForbiddenElements.Contains(element.LocalName))
            {
                found.Add($"<{element.LocalName}>");
            }

            if (element.LocalName == "input"
                && (!string.Equals(element.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase) || !element.HasAttribute("disabled")))
            {
                found.Add("<input> that is not a disabled checkbox");
            }

            foreach (var attribute in element.Attributes)
            {
                found.AddRange(Judge(element, attribute));
            }
        }

        return found;
    }

    private static IEnumerable<string> Judge(IElement element, IAttr attribute)
    {
        var name = attribute.Name;
        if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"event handler {name} on <{element.LocalName}>";
        }

        if (ForbiddenAttributes.Contains(name) || name.StartsWith("data-", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"attribute {name} on <{element.LocalName}>";
        }

        if (name.Equals("style", StringComparison.OrdinalIgnoreCase) && !TextAlignOnly().IsMatch(attribute.Value))
        {
            yield return $"style \"{attribute.Value}\" on <{element.LocalName}>";
        }

        if (UrlAttributes.Contains(name) && SchemeOf(attribute.Value) is { } scheme && !SafeSchemes.Contains(scheme))
        {
            yield return $"{scheme}: URL in {name} of <{element.LocalName}>";
        }
    }

    /// <summary>The scheme a browser would see: it drops control characters and whitespace inside URLs first.</summary>
    private static string? SchemeOf(string url)
    {
        var compact = new string([.. url.Where(c => c > ' ' && !char.IsControl(c))]);
        var match = Scheme().Match(compact);
        return match.Success ? match.Groups[1].Value.ToLowerInvariant() : null;
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.\-]*):")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^\s*text-align\s*:\s*(left|right|center|justify|start|end)\s*;?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex TextAlignOnly();
}
