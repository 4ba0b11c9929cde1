using System.Net;
using System.Text;
using CloudService.Plugins.Sdk;

namespace CloudServicePlugin;

/// <summary>
/// Previews <c>text/x-cloudservice-sample</c> files, and <c>.cloudservice-sample-ext</c> files stored as plain text: the first lines, numbered. Replace the rendering with
/// your own; keep the rules: read only what you show, honour the cancellation token, HTML-encode
/// everything that comes from the file, put styling in the stylesheet.
/// </summary>
public sealed class CloudServicePluginProvider : IFilePreviewProvider
{
    /// <summary>The most a preview reads of a file: it shows the beginning of big files.</summary>
    public const int MaxBytes = 256 * 1024;

    private const string MimeType = "text/x-cloudservice-sample";

    /// <summary>The server names a file's type by its extension and content: an unknown extension with text in it is text/plain.</summary>
    private const string Extension = ".cloudservice-sample-ext";

    private static readonly string[] GenericTypes = ["text/plain", "application/octet-stream"];

    private const string Stylesheet = """
        body { margin: 0; padding: 16px 24px; font: 14px/1.5 system-ui, sans-serif; color: #1f2328; }
        .lines { margin: 0; padding-left: 3.5em; font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; }
        .lines li::marker { color: #8c959f; }
        .preview-note { color: #9a6700; }
        """;

    public IReadOnlyCollection<string> SupportedMimeTypes { get; } = [MimeType];

    /// <summary>Called for every file: cheap, no I/O, never throws.</summary>
    public bool CanPreview(PreviewFile file)
    {
        var type = file.ContentType.Split(';', 2)[0].Trim();
        return string.Equals(type, MimeType, StringComparison.OrdinalIgnoreCase)
               || (GenericTypes.Contains(type, StringComparer.OrdinalIgnoreCase) && file.Extension == Extension);
    }

    public async Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Clamp(file.Size, 1, MaxBytes)];
        var length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        var text = new UTF8Encoding(false, false).GetString(buffer, 0, length).TrimStart('\uFEFF');

        var html = new StringBuilder("<ol class=\"lines\">\n");
        foreach (var line in text.Split('\n'))
        {
            cancellationToken.ThrowIfCancellationRequested();
            html.Append("<li>").Append(WebUtility.HtmlEncode(line.TrimEnd('\r'))).Append("</li>\n");
        }

        html.Append("</ol>\n");
        if (file.Size > length)
        {
            html.Append("<p class=\"preview-note\">Only the beginning of the file is shown.</p>\n");
        }

        return new PreviewResult(html.ToString(), Stylesheet);
    }
}
