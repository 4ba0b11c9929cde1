using System.Text;
using CloudService.Plugins.Sdk;

namespace CloudService.MarkdownPreview;

/// <summary>Previews <c>text/markdown</c> and <c>text/x-markdown</c> files, and <c>.md</c>/<c>.markdown</c> files stored as plain text.</summary>
internal sealed class MarkdownPreviewProvider(MarkdownRenderer renderer) : IFilePreviewProvider
{
    private static readonly string[] MarkdownTypes = ["text/markdown", "text/x-markdown"];
    private static readonly string[] GenericTypes = ["text/plain", "application/octet-stream", ""];
    private static readonly string[] MarkdownExtensions = [".md", ".markdown"];

    public IReadOnlyCollection<string> SupportedMimeTypes => MarkdownTypes;

    public bool CanPreview(PreviewFile file)
    {
        if (file.Size > MarkdownRenderer.MaxInputBytes)
        {
            return false; // the host's plain-text preview (or none) serves it instead of a failure
        }

        var type = MediaType(file.ContentType);
        return MarkdownTypes.Contains(type) || (GenericTypes.Contains(type) && MarkdownExtensions.Contains(file.Extension));
    }

    public async Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)
    {
        var markdown = await ReadTextAsync(content, file.Size, cancellationToken);
        return new PreviewResult(renderer.Render(markdown, cancellationToken), Stylesheet.Css);
    }

    /// <summary>"Text/Markdown; charset=utf-8" → "text/markdown".</summary>
    private static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();

    /// <summary>Reads at most the size cap (whatever the metadata said) and decodes it: UTF-8 unless a byte-order mark says otherwise.</summary>
    private static async Task<string> ReadTextAsync(Stream content, long sizeHint, CancellationToken cancellationToken)
    {
        const int limit = MarkdownRenderer.MaxInputBytes;
        var buffer = new byte[(int)Math.Clamp(sizeHint + 1, 4096, limit + 1)];
        var length = 0;
        while (length <= limit)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }

            var read = await content.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > limit)
        {
            throw new InvalidDataException($"The file is larger than {limit / 1024} KB, the most this preview renders.");
        }

        var bytes = buffer.AsSpan(0, length);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        return bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
            ? Encoding.BigEndianUnicode.GetString(bytes[2..])
            : Encoding.UTF8.GetString(bytes);
    }
}
