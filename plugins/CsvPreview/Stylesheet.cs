namespace CloudService.CsvPreview;

/// <summary>
/// A readable table: sticky header, zebra rows, row numbers in grey, numbers aligned right, long
/// cells wrapped (line breaks inside quoted fields kept). Nothing is loaded (no url(), no @import)
/// and no backslash escapes are used: the host would drop them.
/// </summary>
internal static class Stylesheet
{
    public const string Css = """
        body { margin: 0; padding: 16px 24px; color: #1f2328; background: #fff;
               font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
        .csv-summary { margin: 0 0 12px; color: #59636e; }
        .csv-scroll { max-width: 100%; max-height: 80vh; overflow: auto; border: 1px solid #d1d9e0; border-radius: 6px; }
        .csv-table { border-collapse: separate; border-spacing: 0; font-variant-numeric: tabular-nums; }
        .csv-table th, .csv-table td { padding: 4px 10px; border-right: 1px solid #d1d9e0; border-bottom: 1px solid #d1d9e0;
                                       text-align: left; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere;
                                       min-width: 3em; max-width: 40em; }
        .csv-table thead th { position: sticky; top: 0; z-index: 1; font-weight: 600; background: #f6f8fa; }
        .csv-table tbody tr:nth-child(even) td { background: #f9fafb; }
        .csv-table tbody tr:hover td { background: #eef4fd; }
        .csv-table .csv-row-number { min-width: 2em; color: #8c959f; text-align: right; background: #f6f8fa; user-select: none; }
        .csv-table .csv-number { text-align: right; }
        .csv-table .csv-missing { background: #fbfbfb; }
        .preview-note { margin: 10px 0 0; color: #9a6700; }
        """;
}
