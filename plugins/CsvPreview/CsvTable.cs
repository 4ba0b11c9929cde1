namespace CloudService.CsvPreview;

/// <summary>What the preview shows of a file: the header, the first rows and the facts for the summary line.</summary>
internal sealed class CsvTable
{
    /// <summary>The first row's cells (at most the column limit), or empty for an empty file.</summary>
    public List<string> Header { get; } = [];

    /// <summary>The data rows shown, each at most the column limit wide (shorter rows stay shorter).</summary>
    public List<string[]> Rows { get; } = [];

    /// <summary>The separator used: ',', ';', '\t' or '|'.</summary>
    public char Separator { get; set; } = ',';

    /// <summary>Where the separator came from: the file type, an Excel <c>sep=</c> line or the header row.</summary>
    public string SeparatorSource { get; set; } = "";

    /// <summary>"UTF-8", "UTF-8 with BOM", "UTF-16" or "Windows-1252".</summary>
    public string Encoding { get; set; } = "UTF-8";

    /// <summary>The widest row seen, in columns (may exceed the column limit).</summary>
    public int ColumnCount { get; set; }

    /// <summary>Rows follow those shown; the preview did not read them.</summary>
    public bool MoreRows { get; set; }

    /// <summary>The byte limit stopped the reading (before the row limit).</summary>
    public bool StoppedAtByteLimit { get; set; }

    /// <summary>An estimate of the data rows in the whole file from its size, when more rows follow.</summary>
    public long? EstimatedRows { get; set; }

    /// <summary>Cells shortened to the cell limit.</summary>
    public int TruncatedCells { get; set; }

    public CsvLimits Limits { get; init; } = CsvLimits.Default;
}
