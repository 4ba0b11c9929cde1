namespace CloudService.CsvPreview;

/// <summary>How much of a file the preview shows, and so reads.</summary>
/// <param name="MaxRows">Data rows shown (the header row comes on top).</param>
/// <param name="MaxColumns">Columns shown.</param>
/// <param name="MaxCellChars">Characters shown of one cell; longer cells end with an ellipsis.</param>
/// <param name="MaxBytes">Bytes read at most, whatever the rows hold (a quote left open would otherwise make the rest of the file one cell).</param>
internal sealed record CsvLimits(int MaxRows, int MaxColumns, int MaxCellChars, int MaxBytes)
{
    public static CsvLimits Default { get; } = new(MaxRows: 200, MaxColumns: 50, MaxCellChars: 1000, MaxBytes: 4 * 1024 * 1024);
}
