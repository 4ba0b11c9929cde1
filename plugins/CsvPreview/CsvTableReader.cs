using System.Text;
using nietras.SeparatedValues;

namespace CloudService.CsvPreview;

/// <summary>
/// Reads the beginning of a CSV/TSV file into a <see cref="CsvTable"/> with Sep (RFC 4180: quoted
/// fields with separators, doubled quotes and line breaks). Streaming: it stops after the rows it
/// shows (plus one, to know that more follow) and never reads past <see cref="CsvLimits.MaxBytes"/>.
/// </summary>
internal sealed class CsvTableReader(CsvLimits limits)
{
    /// <summary>Enough of the file to tell its encoding and its separator.</summary>
    private const int SniffBytes = 64 * 1024;

    public async Task<CsvTable> ReadAsync(Stream content, CsvKind kind, long fileSize, CancellationToken cancellationToken)
    {
        var prefix = new byte[Math.Min(SniffBytes, limits.MaxBytes)];
        var prefixLength = await content.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken);
        var complete = prefixLength < prefix.Length;
        var (encoding, encodingName) = TextSniffer.Encoding(prefix.AsSpan(0, prefixLength), complete);
        var table = new CsvTable { Limits = limits, Encoding = encodingName };

        var bounded = new BoundedStream(prefix.AsMemory(0, prefixLength), content, limits.MaxBytes);
        using var text = new StreamReader(bounded, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024);
        var start = Decode(prefix.AsSpan(0, prefixLength), encoding);

        if (kind == CsvKind.Tsv)
        {
            (table.Separator, table.SeparatorSource) = ('\t', "file type");
        }
        else if (TextSniffer.SepLine(start) is { } declared)
        {
            (table.Separator, table.SeparatorSource) = (declared, "sep= line");
            await text.ReadLineAsync(cancellationToken);
        }
        else
        {
            (table.Separator, table.SeparatorSource) = (TextSniffer.Separator(start), "header row");
        }

        long bytesShown = 0;
        using var reader = await Sep.New(table.Separator).Reader(o => o with
        {
            HasHeader = false,
            Unescape = true,
            DisableColCountCheck = true,
        }).FromAsync(text, cancellationToken);

        await foreach (var row in reader)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (row.ColCount == 1 && row[0].Span.IsEmpty)
            {
                continue; // a blank line
            }

            if (table.Header.Count > 0 && table.Rows.Count == limits.MaxRows)
            {
                table.MoreRows = true;
                break;
            }

            // Before the cells are unescaped in place (Sep then leaves the row's span stale).
            var rowBytes = Encoding.UTF8.GetByteCount(row.Span) + 1;
            table.ColumnCount = Math.Max(table.ColumnCount, row.ColCount);
            var cells = new string[Math.Min(row.ColCount, limits.MaxColumns)];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = Cell(row[i].Span, table);
            }

            if (table.Header.Count == 0)
            {
                table.Header.AddRange(cells);
            }
            else
            {
                table.Rows.Add(cells);
                bytesShown += rowBytes;
            }
        }

        if (bounded.HitLimit && !table.MoreRows)
        {
            // The last row may have been cut off by the limit: do not show half a record.
            if (table.Rows.Count > 0)
            {
                table.Rows.RemoveAt(table.Rows.Count - 1);
            }

            table.MoreRows = true;
            table.StoppedAtByteLimit = true;
        }

        if (table.MoreRows && table.Rows.Count > 0 && fileSize > 0)
        {
            var average = (double)bytesShown / table.Rows.Count;
            table.EstimatedRows = Math.Max(table.Rows.Count + 1, (long)(fileSize / average));
        }

        return table;
    }

    private string Cell(ReadOnlySpan<char> value, CsvTable table)
    {
        if (value.Length <= limits.MaxCellChars)
        {
            return value.ToString();
        }

        table.TruncatedCells++;
        return string.Concat(value[..limits.MaxCellChars], "…");
    }

    /// <summary>The sniffed bytes as text (without a byte-order mark), for finding the separator.</summary>
    private static string Decode(ReadOnlySpan<byte> bytes, Encoding encoding)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            bytes = bytes[2..];
        }

        return encoding.GetString(bytes);
    }
}
