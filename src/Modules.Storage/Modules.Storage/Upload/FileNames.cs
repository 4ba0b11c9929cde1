using System.Globalization;
using System.Text;

namespace CloudService.Modules.Storage.Upload;

/// <summary>
/// Turns whatever a client sent as a file name into a display name. It is never used for a path
/// (blobs are named by hash), but it is shown in pages and sent back in Content-Disposition, so it
/// must be one readable line that cannot pose as something else.
/// </summary>
internal static class FileNames
{
    public const int MaxLength = 255;
    public const string Fallback = "unnamed";

    public static string Sanitise(string? raw)
    {
        var name = raw ?? "";
        // Some clients send a full path; like browsers, keep only its last segment.
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];

        var text = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                text.Append(c).Append(name[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                // Tabs, line breaks and exotic spaces: one line of plain spaces.
                text.Append(' ');
            }
            else if (!char.IsSurrogate(c) && !char.IsControl(c) && !IsInvisibleFormatting(c))
            {
                // Lone surrogates, C0/C1 controls and bidi overrides (which make "gpj.exe" read as "exe.jpg") go.
                text.Append(c);
            }
        }

        name = CollapseSpaces(text.ToString().Normalize(NormalizationForm.FormC)).Trim();
        if (name.Length == 0 || name.All(c => c == '.'))
        {
            return Fallback;
        }

        return name.Length <= MaxLength ? name : Shorten(name);
    }

    private static bool IsInvisibleFormatting(char c) =>
        c is '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2060' or '\uFEFF'
            or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string CollapseSpaces(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c != ' ' || b.Length == 0 || b[^1] != ' ')
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }

    /// <summary>Cuts the stem, keeps a short extension, and never splits a character.</summary>
    private static string Shorten(string name)
    {
        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= 16 ? name[dot..] : "";
        var stem = extension.Length > 0 ? name[..dot] : name;
        const string ellipsis = "…";
        var budget = MaxLength - extension.Length - ellipsis.Length;
        var kept = new StringBuilder(budget);
        var elements = StringInfo.GetTextElementEnumerator(stem);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            if (kept.Length + element.Length > budget)
            {
                break;
            }

            kept.Append(element);
        }

        return kept.ToString().TrimEnd() + ellipsis + extension;
    }
}
