using System.Text;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// The rules for names inside a package. A name is only ever used relative to the plugin's own
/// folder, so anything that could point elsewhere — or mean different things on different systems —
/// is refused rather than "cleaned".
/// </summary>
internal static class EntryNames
{
    private const int MaxNameLength = 1024;
    private const int MaxSegmentBytes = 255;

    /// <summary>The name quoted for a message, with control characters made visible.</summary>
    public static string Show(string name)
    {
        var shown = new StringBuilder(name.Length + 2).Append('\'');
        foreach (var c in name.Length > 200 ? name[..200] + "…" : name)
        {
            if (char.IsControl(c))
            {
                shown.Append(c == '\0' ? "\\0" : $"\\u{(int)c:X4}");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.Append('\'').ToString();
    }

    /// <summary>Every reason why <paramref name="name"/> is not a safe relative path, as sentences naming it.</summary>
    public static IEnumerable<string> Problems(string name, string what = "Entry")
    {
        if (name.Length == 0)
        {
            yield return $"{what} has an empty name.";
            yield break;
        }

        var shown = $"{what} {Show(name)}";
        if (name.Contains('\0'))
        {
            yield return $"{shown} contains a NUL character.";
        }

        if (name.Any(c => c != '\0' && char.IsControl(c)))
        {
            yield return $"{shown} contains a control character.";
        }

        if (name.Contains('\\'))
        {
            yield return $"{shown} contains a backslash; ZIP paths separate folders with '/', and a backslash would be a separator on Windows.";
        }

        if (name[0] == '/')
        {
            yield return $"{shown} is an absolute path.";
        }

        if (name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':')
        {
            yield return $"{shown} starts with a drive letter.";
        }

        var segments = name.TrimEnd('/').Split('/');
        if (segments.Contains(".."))
        {
            yield return $"{shown} has a '..' segment that would climb out of the plugin's folder.";
        }

        if (name[0] != '/' && segments.Any(s => s.Length == 0 || s == "."))
        {
            yield return $"{shown} has an empty or '.' path segment.";
        }

        if (name.Length > MaxNameLength || segments.Any(s => Encoding.UTF8.GetByteCount(s) > MaxSegmentBytes))
        {
            yield return $"{shown} is too long for a file name.";
        }
    }

    public static bool IsSafe(string name) => !Problems(name).Any();

    public static bool IsDirectory(string name) => name.EndsWith('/');

    /// <summary>
    /// The package root: the single top-level folder every entry lives in (<c>"top/"</c>), or
    /// <c>""</c> when files sit at the root of the archive.
    /// </summary>
    public static string FindRoot(IEnumerable<string> names)
    {
        string? top = null;
        foreach (var name in names)
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                return "";
            }

            var first = name[..(slash + 1)];
            if (top is null)
            {
                top = first;
            }
            else if (!string.Equals(top, first, StringComparison.Ordinal))
            {
                return "";
            }
        }

        return top ?? "";
    }
}
