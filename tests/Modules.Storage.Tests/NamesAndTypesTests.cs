using CloudService.Modules.Storage.Upload;

namespace CloudService.Tests.Storage;

/// <summary>The two pure decisions of an upload, over more inputs than the HTTP tests send.</summary>
[Trait("Category", "Unit")]
public sealed class NamesAndTypesTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf")]
    [InlineData("a/b/c/", "unnamed")]
    [InlineData("...", "unnamed")]
    [InlineData("  spaced    out  .txt ", "spaced out .txt")]
    [InlineData("zero\u200Bwidth\uFEFF.txt", "zerowidth.txt")]
    [InlineData("e\u0301.txt", "\u00E9.txt")]
    [InlineData("emoji 😀.txt", "emoji 😀.txt")]
    public void Names_are_sanitised_for_display(string raw, string expected) =>
        Assert.Equal(expected, FileNames.Sanitise(raw));

    [Fact]
    public void Long_names_are_cut_without_splitting_a_character()
    {
        var name = FileNames.Sanitise(string.Concat(Enumerable.Repeat("😀", 300)) + ".md");
        Assert.True(name.Length <= FileNames.MaxLength);
        Assert.EndsWith("….md", name, StringComparison.Ordinal);
        Assert.True(name.Length > 200);
        Assert.True(char.IsSurrogatePair(name[^6], name[^5]), "the last emoji before the ellipsis is whole");
        Assert.Equal(name, FileNames.Sanitise(name));
    }

    [Fact]
    public void Lone_surrogates_are_dropped()
    {
        // Built at run time: a lone surrogate does not survive being a test case argument.
        var raw = "lone" + (char)0xD800 + "surrogate" + (char)0xDC00 + ".txt";
        Assert.Equal("lonesurrogate.txt", FileNames.Sanitise(raw));
    }

    public static TheoryData<string, byte[], string> Samples() => new()
    {
        { "a.txt", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "image/png" },
        { "a.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "image/jpeg" },
        { "a.bin", "GIF89a\u0001\0"u8.ToArray(), "image/gif" },
        { "a.pdf", "%PDF-1.7\n%\u00e2\u00e3"u8.ToArray(), "application/pdf" },
        { "a.docx", [(byte)'P', (byte)'K', 3, 4, 20, 0], "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
        { "a.txt", [(byte)'P', (byte)'K', 3, 4, 20, 0], "application/zip" },
        { "a.m4a", [0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'M', (byte)'4', (byte)'A'], "audio/mp4" },
        { "a", [0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o'], "video/mp4" },
        { "a.md", "# Title\n"u8.ToArray(), "text/markdown" },
        { "README", "# Title\n"u8.ToArray(), "text/plain" },
        { "data.json", "{\"a\":1}"u8.ToArray(), "application/json" },
        { "image.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"u8.ToArray(), "image/svg+xml" },
        { "a.txt", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>"u8.ToArray(), "text/plain" },
        { "a.txt", "<!doctype html><script>alert(1)</script>"u8.ToArray(), "text/plain" },
        { "a.png", "not a png at all"u8.ToArray(), "text/plain" },
        { "a.png", [1, 2, 3, 0, 5, 6], "application/octet-stream" },
        { "a.psd", [(byte)'8', (byte)'B', (byte)'P', (byte)'S', 0, 1, 0, 0], "image/vnd.adobe.photoshop" },
        { "a.html", [1, 2, 3, 0, 5, 6], "application/octet-stream" },
        { "utf16.txt", [0xFF, 0xFE, (byte)'h', 0, (byte)'i', 0], "text/plain" },
        { "empty.txt", [], "text/plain" },
        { "empty.png", [], "application/octet-stream" },
        { "empty", [], "application/octet-stream" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_type_comes_from_the_name_and_the_bytes(string name, byte[] head, string expected) =>
        Assert.Equal(expected, ContentTypes.Detect(name, head));

    [Fact]
    public void Utf8_cut_in_the_middle_of_a_character_at_the_end_of_the_sniffed_bytes_is_still_text()
    {
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("日本語 ", 1000)));
        var head = text[..ContentTypes.SniffLength];
        Assert.Equal("text/plain", ContentTypes.Detect("a.txt", head, truncated: true));
    }
}
