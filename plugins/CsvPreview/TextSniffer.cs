using System.Text;
using System.Text.Unicode;

namespace CloudService.CsvPreview;

/// <summary>Decides how a file's first bytes are to be read: its encoding, and the separator of a CSV.</summary>
internal static class TextSniffer
{
    /// <summary>Separators a CSV may use, in order of preference when counts tie.</summary>
    private static readonly char[] Candidates = [',', ';', '\t', '|'];

    /// <summary>Strict UTF-8 would throw; this one shows a replacement character for a stray byte.</summary>
    private static readonly Encoding LenientUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// The encoding of text starting with <paramref name="prefix"/>: the byte-order mark's if there is
    /// one, UTF-8 when the bytes are valid UTF-8, otherwise Windows-1252 (what spreadsheet programs
    /// write in Western locales) — never a failure.
    /// </summary>
    public static (Encoding Encoding, string Name) Encoding(ReadOnlySpan<byte> prefix, bool complete)
    {
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return (LenientUtf8, "UTF-8 with BOM");
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return (System.Text.Encoding.Unicode, "UTF-16");
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return (System.Text.Encoding.BigEndianUnicode, "UTF-16");
        }

        return IsValidUtf8Prefix(prefix, complete)
            ? (LenientUtf8, "UTF-8")
            : (System.Text.CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? System.Text.Encoding.Latin1, "Windows-1252");
    }

    /// <summary>
    /// The separator Excel's first line <c>sep=;</c> names, if the text starts with one (the line is then no data).
    /// </summary>
    public static char? SepLine(string text)
    {
        if (text.Length >= 5 && text.StartsWith("sep=", StringComparison.OrdinalIgnoreCase)
            && Candidates.Contains(text[4]) && (text.Length == 5 || text[5] is '\r' or '\n'))
        {
            return text[4];
        }

        return null;
    }

    /// <summary>
    /// The separator of a CSV: the candidate that occurs most often outside quotes in its first record
    /// (comma when none does, or on a tie with comma). Semicolons are what spreadsheet programs write
    /// where the comma is the decimal separator.
    /// </summary>
    public static char Separator(string text)
    {
        Span<int> counts = stackalloc int[Candidates.Length];
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\r' or '\n')
            {
                break;
            }
            else if (!quoted && Array.IndexOf(Candidates, c) is var i and >= 0)
            {
                counts[i]++;
            }
        }

        var best = 0;
        for (var i = 1; i < Candidates.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return Candidates[best];
    }

    /// <summary>UTF-8 validity of a prefix: a multi-byte sequence cut off at its end is fine unless the text is complete.</summary>
    private static bool IsValidUtf8Prefix(ReadOnlySpan<byte> bytes, bool complete)
    {
        if (Utf8.IsValid(bytes))
        {
            return true;
        }

        if (complete)
        {
            return false;
        }

        // Drop up to three trailing bytes of a sequence the prefix cut in two.
        for (var cut = 1; cut <= 3 && cut < bytes.Length; cut++)
        {
            if (Utf8.IsValid(bytes[..^cut]))
            {
                return true;
            }
        }

        return false;
    }
}
