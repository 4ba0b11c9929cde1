using CloudService.Plugins.Sdk;

namespace CloudService.CsvPreview;

/// <summary>
/// Previews <c>text/csv</c> and <c>text/tab-separated-values</c> files, and <c>.csv</c>/<c>.tsv</c>
/// files stored under a generic or legacy type (<c>text/plain</c>, Excel's <c>application/vnd.ms-excel</c>).
/// Any size: the table shows the beginning of the file, read as a stream.
/// </summary>
internal sealed class CsvPreviewProvider(CsvTableReader reader) : IFilePreviewProvider
{
    private static readonly string[] CsvTypes = ["text/csv", "text/x-csv", "application/csv"];
    private static readonly string[] TsvTypes = ["text/tab-separated-values"];
    private static readonly string[] GenericTypes = ["text/plain", "application/octet-stream", "application/vnd.ms-excel", ""];
    private static readonly string[] CsvExtensions = [".csv"];
    private static readonly string[] TsvExtensions = [".tsv", ".tab"];

    public IReadOnlyCollection<string> SupportedMimeTypes { get; } = ["text/csv", "text/tab-separated-values"];

    public bool CanPreview(PreviewFile file) => Kind(file) is not null;

    public async Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)
    {
        var table = await reader.ReadAsync(content, Kind(file) ?? CsvKind.Csv, file.Size, cancellationToken);
        return new PreviewResult(CsvTableHtml.Render(table), Stylesheet.Css);
    }

    private static CsvKind? Kind(PreviewFile file)
    {
        var type = (file.ContentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();
        if (TsvTypes.Contains(type) || (GenericTypes.Contains(type) && TsvExtensions.Contains(file.Extension)))
        {
            return CsvKind.Tsv;
        }

        if (CsvTypes.Contains(type) || (GenericTypes.Contains(type) && CsvExtensions.Contains(file.Extension)))
        {
            return CsvKind.Csv;
        }

        return null;
    }
}

/// <summary>TSV is always tab-separated; CSV's separator is detected (comma, semicolon, tab or pipe).</summary>
internal enum CsvKind
{
    Csv,
    Tsv,
}
