using System.Globalization;
using System.Net;
using System.Text;

namespace CloudService.Modules.Preview.Generation;

/// <summary>The preview of text files no plugin handles: the text, escaped, in a <c>pre</c>; long files are cut.</summary>
internal static class BuiltinTextPreview
{
    public static async Task<string> RenderAsync(Stream content, long size, int maxBytes, CancellationToken ct)
    {
        var buffer = new byte[(int)Math.Min(maxBytes, Math.Max(0, size)) + 1];
        var read = 0;
        while (read < buffer.Length && await content.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }

        var truncated = read > maxBytes || size > maxBytes;
        var length = Math.Min(read, maxBytes);
        var start = length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
        // flush: false leaves a character cut at the limit out instead of turning it into garbage.
        var decoder = new UTF8Encoding(false, false).GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(length)];
        var count = decoder.GetChars(buffer, start, length - start, chars, 0, flush: !truncated);
        var html = new StringBuilder("<pre class=\"text-preview\">")
            .Append(WebUtility.HtmlEncode(new string(chars, 0, count)))
            .Append("</pre>");
        if (truncated)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"truncated\">Showing the first {Size(maxBytes)} of {Size(size)}.</p>");
        }

        return html.ToString();
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };
}
