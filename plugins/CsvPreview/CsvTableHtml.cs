using System.Globalization;
using System.Text;

namespace CloudService.CsvPreview;

/// <summary>
/// The table as an HTML fragment: a summary line, the header row, numbered data rows, numeric
/// columns aligned right. Every cell is HTML-encoded; no inline styles (the host drops them) — the
/// look is in <see cref="Stylesheet"/>.
/// </summary>
internal static class CsvTableHtml
{
    public static string Render(CsvTable table)
    {
        var html = new StringBuilder();
        html.Append("<div class=\"csv-preview\">\n");
        if (table.Header.Count == 0)
        {
            html.Append("<p class=\"csv-summary\">The file is empty.</p>\n</div>\n");
            return html.ToString();
        }

        html.Append("<p class=\"csv-summary\">").Append(Encode(Summary(table))).Append("</p>\n");
        var width = Math.Min(table.ColumnCount, table.Limits.MaxColumns);
        var numeric = NumericColumns(table, width);

        html.Append("<div class=\"csv-scroll\"><table class=\"csv-table\">\n<thead>\n<tr><th class=\"csv-row-number\" scope=\"col\">#</th>");
        for (var c = 0; c < width; c++)
        {
            var name = c < table.Header.Count ? table.Header[c] : "";
            html.Append(numeric[c] ? "<th scope=\"col\" class=\"csv-number\">" : "<th scope=\"col\">").Append(Encode(name)).Append("</th>");
        }

        html.Append("</tr>\n</thead>\n<tbody>\n");
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            html.Append("<tr><td class=\"csv-row-number\">").Append((r + 1).ToString(CultureInfo.InvariantCulture)).Append("</td>");
            for (var c = 0; c < width; c++)
            {
                if (c >= row.Length)
                {
                    html.Append("<td class=\"csv-missing\"></td>");
                    continue;
                }

                html.Append(numeric[c] ? "<td class=\"csv-number\">" : "<td>").Append(Encode(row[c])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
        foreach (var note in Notes(table))
        {
            html.Append("<p class=\"preview-note\">").Append(Encode(note)).Append("</p>\n");
        }

        html.Append("</div>\n");
        return html.ToString();
    }

    private static string Summary(CsvTable table)
    {
        var rows = table.Rows.Count;
        var shown = table.MoreRows
            ? table.EstimatedRows is { } estimate && estimate > rows + 1
                ? string.Create(CultureInfo.InvariantCulture, $"Showing the first {Count(rows, "row")} of about {Round(estimate):N0}")
                : string.Create(CultureInfo.InvariantCulture, $"Showing the first {Count(rows, "row")} of {rows + 1:N0}+")
            : Count(rows, "row");
        var columns = table.ColumnCount > table.Limits.MaxColumns
            ? string.Create(CultureInfo.InvariantCulture, $"the first {table.Limits.MaxColumns} of {table.ColumnCount:N0} columns")
            : Count(table.ColumnCount, "column");
        return string.Create(CultureInfo.InvariantCulture, $"{shown} · {columns} · {SeparatorName(table.Separator)} · {table.Encoding}");
    }

    private static IEnumerable<string> Notes(CsvTable table)
    {
        if (table.StoppedAtByteLimit)
        {
            var limit = table.Limits.MaxBytes >= 1024 * 1024 ? $"{table.Limits.MaxBytes / 1024 / 1024} MiB" : $"{table.Limits.MaxBytes / 1024} KiB";
            yield return $"The preview reads at most {limit} of a file; download it to see the rest.";
        }
        else if (table.MoreRows)
        {
            yield return $"The preview shows the first {table.Limits.MaxRows} rows; download the file to see all of them.";
        }

        if (table.TruncatedCells > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{Count(table.TruncatedCells, "cell")} longer than {table.Limits.MaxCellChars:N0} characters {(table.TruncatedCells == 1 ? "is" : "are")} shortened (…).");
        }

        if (table.Encoding == "Windows-1252")
        {
            yield return "The file is not valid UTF-8; it is shown as Windows-1252 text.";
        }
    }

    /// <summary>A column is numeric when every non-empty cell shown in it is a number (and there is at least one).</summary>
    private static bool[] NumericColumns(CsvTable table, int width)
    {
        var numeric = new bool[width];
        for (var c = 0; c < width; c++)
        {
            var any = false;
            var all = true;
            foreach (var row in table.Rows)
            {
                if (c >= row.Length || row[c].Length == 0)
                {
                    continue;
                }

                any = true;
                if (!double.TryParse(row[c], NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _))
                {
                    all = false;
                    break;
                }
            }

            numeric[c] = any && all;
        }

        return numeric;
    }

    private static string SeparatorName(char separator) => separator switch
    {
        ',' => "comma-separated",
        ';' => "semicolon-separated",
        '\t' => "tab-separated",
        _ => "pipe-separated",
    };

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n:N0} {noun}{(n == 1 ? "" : "s")}");

    /// <summary>An estimate to two significant digits: "about 12,000", not "about 12,347".</summary>
    private static long Round(long estimate)
    {
        if (estimate < 100)
        {
            return estimate;
        }

        var scale = Math.Pow(10, Math.Floor(Math.Log10(estimate)) - 1);
        return (long)(Math.Round(estimate / scale) * scale);
    }

    /// <summary>
    /// Encodes the five characters that mean something in HTML text and attributes; everything else
    /// stays as it is (WebUtility would turn every non-ASCII letter into a numeric entity).
    /// </summary>
    private static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var encoded = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            encoded.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }

        return encoded.ToString();
    }
}
