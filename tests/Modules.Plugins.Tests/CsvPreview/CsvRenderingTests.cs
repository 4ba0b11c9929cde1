using System.Text;
using System.Text.RegularExpressions;
using CloudService.CsvPreview;
using CloudService.Plugins.Sdk;

namespace CloudService.Tests.Plugins.CsvPreview;

/// <summary>The CSV plugin's table: what readers see, how it reads (streaming, bounded), and what hostile input cannot do.</summary>
[Trait("Category", "Unit")]
public sealed class CsvRenderingTests
{
    private static readonly CsvPreviewProvider Provider = new(new CsvTableReader(CsvLimits.Default));

    private static async Task<string> RenderAsync(string name, string contentType, byte[] bytes, CsvLimits? limits = null)
    {
        var provider = limits is null ? Provider : new CsvPreviewProvider(new CsvTableReader(limits));
        using var content = new MemoryStream(bytes);
        var result = await provider.RenderAsync(new PreviewFile(name, contentType, bytes.Length), content, CancellationToken.None);
        return result.Html;
    }

    private static Task<string> RenderAsync(string csv, string name = "data.csv", string contentType = "text/csv") =>
        RenderAsync(name, contentType, Encoding.UTF8.GetBytes(csv));

    /// <summary>The cells of the body rows, as text (HTML-decoded), without the row-number column.</summary>
    private static List<string[]> BodyCells(string html) =>
        [.. Regex.Matches(html, "<tr><td class=\"csv-row-number\">\\d+</td>(.*?)</tr>", RegexOptions.Singleline)
            .Select(m => Regex.Matches(m.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(c => System.Net.WebUtility.HtmlDecode(c.Groups[1].Value)).ToArray())];

    private static List<string> HeaderCells(string html) =>
        [.. Regex.Matches(Regex.Match(html, "<thead>(.*?)</thead>", RegexOptions.Singleline).Groups[1].Value, "<th scope=\"col\"[^>]*>(.*?)</th>", RegexOptions.Singleline)
            .Select(c => System.Net.WebUtility.HtmlDecode(c.Groups[1].Value))];

    private static string Summary(string html) =>
        System.Net.WebUtility.HtmlDecode(Regex.Match(html, "<p class=\"csv-summary\">(.*?)</p>").Groups[1].Value);

    [Fact]
    public async Task The_first_row_is_the_header_and_every_other_row_a_numbered_table_row()
    {
        var html = await RenderAsync("name,qty,price\napple,3,1.25\npear,10,0.5\n");
        Assert.Equal(
            "<div class=\"csv-preview\">\n<p class=\"csv-summary\">2 rows · 3 columns · comma-separated · UTF-8</p>\n"
            + "<div class=\"csv-scroll\"><table class=\"csv-table\">\n<thead>\n"
            + "<tr><th class=\"csv-row-number\" scope=\"col\">#</th><th scope=\"col\">name</th><th scope=\"col\" class=\"csv-number\">qty</th><th scope=\"col\" class=\"csv-number\">price</th></tr>\n"
            + "</thead>\n<tbody>\n"
            + "<tr><td class=\"csv-row-number\">1</td><td>apple</td><td class=\"csv-number\">3</td><td class=\"csv-number\">1.25</td></tr>\n"
            + "<tr><td class=\"csv-row-number\">2</td><td>pear</td><td class=\"csv-number\">10</td><td class=\"csv-number\">0.5</td></tr>\n"
            + "</tbody>\n</table></div>\n</div>\n",
            html);
    }

    [Fact]
    public async Task Quoted_fields_keep_separators_doubled_quotes_and_line_breaks_as_RFC_4180_says()
    {
        var html = await RenderAsync("id,text,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,\"two\r\nlines\",\"\"\r\n3,plain,\"\"\"quoted\"\"\"\r\n");
        Assert.Equal(
            [
                ["1", "a, b", "say \"hi\""],
                ["2", "two\r\nlines", ""],
                ["3", "plain", "\"quoted\""],
            ],
            BodyCells(html));
        Assert.StartsWith("3 rows · 3 columns", Summary(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_cell_and_header_is_html_encoded()
    {
        var html = await RenderAsync("<b>head</b>,x\n<script>alert(1)</script>,\"<img src=x onerror=alert(1)>\"\n&amp;,\"a\"\"><svg onload=alert(1)>\"\n");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&amp;amp;", html, StringComparison.Ordinal);
        Assert.Equal(["<b>head</b>", "x"], HeaderCells(html));
        Assert.Equal("a\"><svg onload=alert(1)>", BodyCells(html)[1][1]);
    }

    [Theory]
    [InlineData("name;amount;note\nanna;1,5;x\nbob;2,25;y\n", "semicolon-separated")]
    [InlineData("name\tamount\tnote\nanna\t1,5\tx\nbob\t2,25\ty\n", "tab-separated")]
    [InlineData("name|amount|note\nanna|1,5|x\nbob|2,25|y\n", "pipe-separated")]
    [InlineData("sep=;\nname;amount;note\nanna;1,5;x\nbob;2,25;y\n", "semicolon-separated")]
    [InlineData("\"name;with,commas\";amount;note\nanna;1,5;x\nbob;2,25;y\n", "semicolon-separated")]
    public async Task A_csv_separator_is_detected_from_the_header_row_or_an_excel_sep_line(string csv, string expected)
    {
        var html = await RenderAsync(csv);
        Assert.Contains(expected, Summary(html), StringComparison.Ordinal);
        Assert.Equal(3, HeaderCells(html).Count);
        Assert.Equal(["anna", "1,5", "x"], BodyCells(html)[0]);
        Assert.Equal(2, BodyCells(html).Count);
    }

    [Fact]
    public async Task A_tsv_is_split_at_tabs_even_when_its_header_is_full_of_commas()
    {
        var html = await RenderAsync("a, b, c\td, e\nx,y\tz\n", "data.tsv", "text/tab-separated-values");
        Assert.Equal(["a, b, c", "d, e"], HeaderCells(html));
        Assert.Equal([["x,y", "z"]], BodyCells(html));
        Assert.Contains("tab-separated", Summary(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf8_with_and_without_a_byte_order_mark_reads_the_same_and_a_bom_never_sticks_to_the_first_header()
    {
        const string csv = "Stadt,Größe\nKöln,1 084 831\nZürich,😀\n";
        var withoutBom = await RenderAsync("a.csv", "text/csv", Encoding.UTF8.GetBytes(csv));
        var withBom = await RenderAsync("a.csv", "text/csv", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(csv)]);
        Assert.Equal(["Stadt", "Größe"], HeaderCells(withBom));
        Assert.Equal(HeaderCells(withoutBom), HeaderCells(withBom));
        Assert.Equal(BodyCells(withoutBom), BodyCells(withBom));
        Assert.Equal("😀", BodyCells(withBom)[1][1]);
        Assert.EndsWith("UTF-8 with BOM", Summary(withBom), StringComparison.Ordinal);
        Assert.EndsWith("UTF-8", Summary(withoutBom), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf16_with_a_byte_order_mark_is_decoded()
    {
        var html = await RenderAsync("a.csv", "text/csv", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("a;b\nä;ö\n")]);
        Assert.Equal(["a", "b"], HeaderCells(html));
        Assert.Equal([["ä", "ö"]], BodyCells(html));
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_read_as_windows_1252_with_a_note_instead_of_failing()
    {
        byte[] latin = [.. "Name;Preis\nCaf"u8, 0xE9, .. ";5 "u8, 0x80, .. "\n"u8];
        var html = await RenderAsync("a.csv", "text/csv", latin);
        Assert.Equal([["Café", "5 €"]], BodyCells(html));
        Assert.Contains("not valid UTF-8; it is shown as Windows-1252", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_file_shows_its_first_rows_with_an_estimate_of_the_rest_and_is_not_read_to_the_end()
    {
        var csv = new StringBuilder("id,name,value\n");
        for (var i = 1; i <= 20_000; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i:D5},item {i % 1000:D3},{i * 3 % 977:D3}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        using var content = new CountingStream(bytes);
        var result = await Provider.RenderAsync(new PreviewFile("big.csv", "text/csv", bytes.Length), content, CancellationToken.None);

        var rows = BodyCells(result.Html);
        Assert.Equal(CsvLimits.Default.MaxRows, rows.Count);
        Assert.Equal(["00200", "item 200", "600"], rows[^1]);
        // Rows of equal length: the estimate from the file size is close.
        Assert.StartsWith("Showing the first 200 rows of about 20,000 · 3 columns", Summary(result.Html), StringComparison.Ordinal);
        Assert.Contains("shows the first 200 rows; download the file", result.Html, StringComparison.Ordinal);
        // The sniffed 64 KB and one reader buffer at most: a fraction of the ~330 KB file.
        Assert.True(content.BytesRead <= 64 * 1024 + 64 * 1024, $"read {content.BytesRead} of {bytes.Length} bytes");
    }

    [Fact]
    public async Task An_endless_stream_renders_its_first_rows_and_stops_reading()
    {
        using var content = new EndlessCsvStream();
        var result = await Provider.RenderAsync(new PreviewFile("endless.csv", "text/csv", 0), content, CancellationToken.None);
        Assert.Equal(200, BodyCells(result.Html).Count);
        Assert.StartsWith("Showing the first 200 rows of 201+", Summary(result.Html), StringComparison.Ordinal);
        Assert.True(content.BytesRead < 256 * 1024, $"read {content.BytesRead} bytes");
    }

    [Fact]
    public async Task A_quote_left_open_stops_at_the_byte_limit_with_a_note_instead_of_reading_the_whole_file()
    {
        var limits = CsvLimits.Default with { MaxBytes = 256 * 1024 };
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n3,\"never closed\n" + string.Concat(Enumerable.Repeat("x,y\n", 500_000)));
        using var content = new CountingStream(bytes);
        var provider = new CsvPreviewProvider(new CsvTableReader(limits));
        var result = await provider.RenderAsync(new PreviewFile("open.csv", "text/csv", bytes.Length), content, CancellationToken.None);

        Assert.Equal([["1", "2"]], BodyCells(result.Html));
        Assert.Contains("The preview reads at most 256 KiB of a file", result.Html, StringComparison.Ordinal);
        Assert.True(content.BytesRead <= limits.MaxBytes + 1, $"read {content.BytesRead} bytes");
    }

    [Fact]
    public async Task Wide_rows_show_the_first_columns_and_say_how_many_there_are()
    {
        var header = string.Join(',', Enumerable.Range(1, 80).Select(i => $"c{i}"));
        var row = string.Join(',', Enumerable.Range(1, 80));
        var html = await RenderAsync($"{header}\n{row}\n");
        Assert.Equal(50, HeaderCells(html).Count);
        Assert.Equal("c50", HeaderCells(html)[^1]);
        Assert.Equal(50, BodyCells(html)[0].Length);
        Assert.Contains("1 row · the first 50 of 80 columns", Summary(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ragged_rows_are_padded_blank_lines_skipped_and_long_cells_shortened()
    {
        var limits = CsvLimits.Default with { MaxCellChars = 10 };
        var html = await RenderAsync("a.csv", "text/csv", Encoding.UTF8.GetBytes("a,b,c\n\n1\n\n1,2,3,4\n" + new string('z', 50) + ",x\n"), limits);
        Assert.Equal(
            [
                ["1", "", "", ""],
                ["1", "2", "3", "4"],
                [new string('z', 10) + "…", "x", "", ""],
            ],
            BodyCells(html));
        Assert.Equal(5, Regex.Count(html, "class=\"csv-missing\""));
        Assert.Contains("1 cell longer than 10 characters is shortened", html, StringComparison.Ordinal);
        Assert.Contains("3 rows · 4 columns", Summary(html), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("\uFEFF")]
    public async Task An_empty_file_says_so(string csv)
    {
        var html = await RenderAsync(csv);
        Assert.Equal("<div class=\"csv-preview\">\n<p class=\"csv-summary\">The file is empty.</p>\n</div>\n", html);
    }

    [Fact]
    public async Task A_header_without_rows_is_a_table_without_body_rows()
    {
        var html = await RenderAsync("only,a,header");
        Assert.Equal(["only", "a", "header"], HeaderCells(html));
        Assert.Empty(BodyCells(html));
        Assert.StartsWith("0 rows · 3 columns", Summary(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_render_stops_with_OperationCanceledException()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var content = new EndlessCsvStream();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Provider.RenderAsync(new PreviewFile("endless.csv", "text/csv", 0), content, cancelled.Token));
    }

    [Theory]
    [InlineData("data.csv", "text/csv", true)]
    [InlineData("DATA.CSV", "text/csv; charset=utf-8", true)]
    [InlineData("data.tsv", "text/tab-separated-values", true)]
    [InlineData("data.csv", "text/plain", true)]
    [InlineData("data.tsv", "application/octet-stream", true)]
    [InlineData("data.csv", "application/vnd.ms-excel", true)]
    [InlineData("export", "text/csv", true)]
    [InlineData("notes.txt", "text/plain", false)]
    [InlineData("data.csv", "image/png", false)]
    [InlineData("book.xls", "application/vnd.ms-excel", false)]
    public void It_previews_csv_and_tsv_files_whatever_their_size(string name, string contentType, bool expected) =>
        Assert.Equal(expected, Provider.CanPreview(new PreviewFile(name, contentType, 5L * 1024 * 1024 * 1024)));

    [Fact]
    public void The_stylesheet_loads_nothing_and_uses_nothing_the_host_drops()
    {
        var css = CloudService.CsvPreview.Stylesheet.Css;
        Assert.DoesNotContain("url(", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\\", css, StringComparison.Ordinal);
        Assert.DoesNotContain("expression", css, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("position: sticky", css, StringComparison.Ordinal);
    }

    /// <summary>A read-only stream over bytes that counts what was read (MemoryStream's async reads go through these).</summary>
    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Count(base.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(base.Read(buffer));

        private int Count(int read)
        {
            BytesRead += read;
            return read;
        }
    }

    /// <summary>A CSV that never ends: a header, then rows forever.</summary>
    private sealed class EndlessCsvStream : Stream
    {
        private static readonly byte[] Header = "n,square\n"u8.ToArray();
        private long row;
        private byte[] pending = Header;
        private int offset;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (offset == pending.Length)
                {
                    row++;
                    pending = Encoding.ASCII.GetBytes($"{row},{row * row}\n");
                    offset = 0;
                }

                var n = Math.Min(buffer.Length - written, pending.Length - offset);
                pending.AsSpan(offset, n).CopyTo(buffer[written..]);
                offset += n;
                written += n;
            }

            BytesRead += written;
            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
