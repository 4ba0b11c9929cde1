namespace CloudService.Plugins.Sdk;

/// <summary>
/// Renders a file as an HTML fragment for the file's page. The host sanitises every fragment with
/// an allow-list before storing or serving it (no script, no event handlers, no forms, no
/// <c>style</c> beyond text alignment: put styling in <see cref="PreviewResult.Stylesheet"/>),
/// and shows it in a sandboxed frame.
/// </summary>
public interface IFilePreviewProvider : IPluginHook
{
    /// <summary>
    /// The MIME types this provider previews, for example <c>text/markdown</c>. Read once, when the
    /// provider is registered; the host lists them as previewable types. <see cref="CanPreview"/> decides
    /// per file and may accept more (say, <c>.md</c> files stored as <c>text/plain</c>).
    /// </summary>
    IReadOnlyCollection<string> SupportedMimeTypes { get; }

    /// <summary>Whether this provider previews the described file. Must be cheap (no I/O) and must not throw.</summary>
    bool CanPreview(PreviewFile file);

    /// <summary>
    /// Renders the file's content. Honour <paramref name="cancellationToken"/>: the host cancels slow
    /// renders. May be called concurrently. An exception fails this render only; the host records it
    /// in the plugin's audit log.
    /// </summary>
    /// <param name="file">The file's metadata.</param>
    /// <param name="content">The file's bytes, read-only and forward-only.</param>
    /// <param name="cancellationToken">Cancelled when the render time limit is reached.</param>
    Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken);
}

/// <summary>The metadata of a file to preview.</summary>
/// <param name="FileName">The file's display name, for example <c>notes.md</c>. Never a path.</param>
/// <param name="ContentType">The file's MIME type as stored.</param>
/// <param name="Size">The file's size in bytes.</param>
public sealed record PreviewFile(string FileName, string ContentType, long Size)
{
    /// <summary>The lower-case extension of <see cref="FileName"/> including the dot, or an empty string.</summary>
    public string Extension => Path.GetExtension(FileName).ToLowerInvariant();
}

/// <summary>A rendered preview.</summary>
/// <param name="Html">An HTML fragment (no <c>html</c>/<c>body</c> element needed).</param>
/// <param name="Stylesheet">Optional CSS for the fragment. The host keeps it apart from the
/// fragment and drops anything that could load or run content (<c>url(</c>, <c>@import</c>, <c>expression</c>).</param>
public sealed record PreviewResult(string Html, string? Stylesheet = null);
