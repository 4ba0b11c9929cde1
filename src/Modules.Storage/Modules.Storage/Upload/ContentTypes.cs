using System.Text.Unicode;
using Microsoft.AspNetCore.StaticFiles;

namespace CloudService.Modules.Storage.Upload;

/// <summary>
/// Decides a file's MIME type from its name AND its first bytes:
/// <list type="number">
/// <item>A strong binary signature (PNG, PDF, ZIP, …) wins over the extension — a <c>.txt</c> holding a
/// PNG is <c>image/png</c> — unless the extension names a format built on that container (a
/// <c>.docx</c> is a ZIP, an <c>.m4a</c> is ISO media).</item>
/// <item>Text (no NUL, few control characters, UTF-8 or a plausible 8-bit encoding) keeps a textual
/// extension type (<c>.md</c> → <c>text/markdown</c>, <c>.json</c>, <c>.csv</c>, …) and is
/// <c>text/plain</c> otherwise: a <c>.png</c> that is really text is text.</item>
/// <item>Other binary content keeps its extension's type only when we could not have checked it
/// (<c>.psd</c>); a type we know the signature of, but did not find, becomes
/// <c>application/octet-stream</c>.</item>
/// </list>
/// Content never upgrades a file to an active type: text is not sniffed for HTML or SVG.
/// </summary>
internal static class ContentTypes
{
    public const string Binary = "application/octet-stream";
    public const string Text = "text/plain";
    public const int SniffLength = 8192;

    private static readonly FileExtensionContentTypeProvider Extensions = CreateProvider();

    private static readonly HashSet<string> ZipContainers = new(StringComparer.OrdinalIgnoreCase)
    {
        ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp", ".odg", ".epub",
        ".jar", ".war", ".apk", ".aab", ".ipa", ".nupkg", ".vsix", ".xpi", ".kmz", ".3mf", ".whl", ".appx", ".msix",
    };

    private static readonly HashSet<string> TextualApplicationTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/json", "application/xml", "application/javascript", "application/x-javascript", "application/ecmascript",
        "application/x-sh", "application/x-csh", "application/x-yaml", "application/yaml", "application/toml", "application/sql",
        "application/x-latex", "application/x-tex", "application/rtf", "application/postscript", "application/x-httpd-php",
        "application/xhtml+xml", "image/svg+xml", "message/rfc822",
    };

    public static async Task<string> DetectAsync(string fileName, string path, CancellationToken ct)
    {
        var head = new byte[SniffLength];
        int length;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
        {
            length = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        }

        return Detect(fileName, head.AsSpan(0, length), truncated: length == head.Length);
    }

    public static string Detect(string fileName, ReadOnlySpan<byte> head, bool truncated = false)
    {
        var extension = Path.GetExtension(fileName);
        var byName = extension.Length > 1 && Extensions.TryGetContentType(fileName, out var t) ? t : null;

        if (Sniff(head) is { } sniffed)
        {
            return byName is not null && Refines(byName, extension, sniffed) ? byName : sniffed;
        }

        if (head.Length == 0)
        {
            // Nothing to look at: believe a name that needs no signature, as for binary content below.
            return byName is not null && !Verifiable(byName) ? byName : Binary;
        }

        if (LooksLikeText(head, truncated))
        {
            return byName is not null && IsTextual(byName) ? byName : Text;
        }

        return byName is not null && !IsTextual(byName) && !Verifiable(byName) ? byName : Binary;
    }

    public static bool IsTextual(string contentType) =>
        contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || contentType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
        || contentType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
        || TextualApplicationTypes.Contains(contentType);

    /// <summary>Strong signatures only: a few bytes that text practically never starts with.</summary>
    internal static string? Sniff(ReadOnlySpan<byte> b)
    {
        static bool At(ReadOnlySpan<byte> data, int offset, ReadOnlySpan<byte> magic) =>
            data.Length >= offset + magic.Length && data.Slice(offset, magic.Length).SequenceEqual(magic);

        if (At(b, 0, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (At(b, 0, [0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (At(b, 0, "GIF87a"u8) || At(b, 0, "GIF89a"u8)) return "image/gif";
        if (At(b, 0, "RIFF"u8) && At(b, 8, "WEBP"u8)) return "image/webp";
        if (At(b, 0, "RIFF"u8) && At(b, 8, "WAVE"u8)) return "audio/wav";
        if (At(b, 0, "RIFF"u8) && At(b, 8, "AVI "u8)) return "video/x-msvideo";
        if (At(b, 0, "BM"u8) && b.Length >= 14 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0) return "image/bmp";
        if (At(b, 0, [(byte)'I', (byte)'I', 0x2A, 0x00]) || At(b, 0, [(byte)'M', (byte)'M', 0x00, 0x2A])) return "image/tiff";
        if (At(b, 0, [0x00, 0x00, 0x01, 0x00]) && b.Length >= 6 && b[4] > 0) return "image/x-icon";
        if (At(b, 0, "%PDF-"u8)) return "application/pdf";
        if (At(b, 0, [(byte)'P', (byte)'K', 0x03, 0x04]) || At(b, 0, [(byte)'P', (byte)'K', 0x05, 0x06])) return "application/zip";
        if (At(b, 0, [0x1F, 0x8B])) return "application/gzip";
        if (At(b, 0, [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C])) return "application/x-7z-compressed";
        if (At(b, 0, "Rar!\u001A\u0007"u8)) return "application/vnd.rar";
        if (At(b, 0, [(byte)'B', (byte)'Z', (byte)'h'])) return "application/x-bzip2";
        if (At(b, 0, [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00])) return "application/x-xz";
        if (At(b, 0, [0x28, 0xB5, 0x2F, 0xFD])) return "application/zstd";
        if (At(b, 257, "ustar"u8)) return "application/x-tar";
        if (At(b, 4, "ftyp"u8)) return "video/mp4";
        if (At(b, 0, [0x1A, 0x45, 0xDF, 0xA3])) return "video/webm";
        if (At(b, 0, "OggS"u8)) return "audio/ogg";
        if (At(b, 0, "fLaC"u8)) return "audio/flac";
        if (At(b, 0, "ID3"u8)) return "audio/mpeg";
        if (At(b, 0, "wOFF"u8)) return "font/woff";
        if (At(b, 0, "wOF2"u8)) return "font/woff2";
        if (At(b, 0, [0x00, (byte)'a', (byte)'s', (byte)'m'])) return "application/wasm";
        if (At(b, 0, [0x7F, (byte)'E', (byte)'L', (byte)'F'])) return "application/x-executable";
        if (At(b, 0, "SQLite format 3\0"u8)) return "application/vnd.sqlite3";
        if (At(b, 0, [0xCA, 0xFE, 0xBA, 0xBE])) return "application/java-vm";
        if (At(b, 0, "MZ"u8) && b.Length >= 64 && b.IndexOf((byte)0) >= 0) return "application/vnd.microsoft.portable-executable";
        return null;
    }

    /// <summary>Whether the extension's type is a more precise name for what the signature found.</summary>
    private static bool Refines(string byName, string extension, string sniffed)
    {
        if (string.Equals(byName, sniffed, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return sniffed switch
        {
            "application/zip" => ZipContainers.Contains(extension),
            // ISO base media, Matroska and Ogg carry audio or video alike (.m4a, .mov, .mkv, .opus, .ogv, .heic, .avif).
            "video/mp4" => byName.StartsWith("video/", StringComparison.Ordinal) || byName.StartsWith("audio/", StringComparison.Ordinal)
                || byName is "image/heic" or "image/heif" or "image/avif",
            "video/webm" or "audio/ogg" => byName.StartsWith("video/", StringComparison.Ordinal) || byName.StartsWith("audio/", StringComparison.Ordinal)
                || byName == "application/ogg",
            "application/gzip" => byName is "application/x-gzip" or "application/x-compressed",
            "audio/wav" => byName is "audio/x-wav" or "audio/wave",
            "application/x-executable" or "application/vnd.microsoft.portable-executable" => byName is "application/octet-stream" or "application/x-msdownload",
            _ => false,
        };
    }

    /// <summary>Types whose signature <see cref="Sniff"/> knows: claimed by the name but not found in the bytes, they are not believed.</summary>
    private static bool Verifiable(string contentType) =>
        contentType is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "image/bmp" or "image/tiff" or "application/pdf"
            or "application/zip" or "application/x-zip-compressed" or "application/gzip" or "application/x-gzip" or "application/x-7z-compressed"
            or "application/vnd.rar" or "application/x-tar" or "audio/wav" or "audio/flac" or "font/woff" or "font/woff2" or "application/wasm"
            or "application/vnd.sqlite3";

    /// <summary>No NUL byte, almost no control characters, and valid UTF-8 or a plausible 8-bit text encoding.</summary>
    internal static bool LooksLikeText(ReadOnlySpan<byte> b, bool truncated)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || b.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return b.Length % 2 == 0 || truncated;
        }

        var controls = 0;
        var high = 0;
        foreach (var c in b)
        {
            if (c == 0)
            {
                return false;
            }

            if (c < 0x20 && c is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C or 0x0B or 0x1B or 0x08) || c == 0x7F)
            {
                controls++;
            }
            else if (c >= 0x80)
            {
                high++;
            }
        }

        if (controls * 100 > b.Length)
        {
            return false;
        }

        return high == 0 || IsUtf8(b, truncated) || high * 100 <= b.Length * 30;
    }

    private static bool IsUtf8(ReadOnlySpan<byte> b, bool truncated)
    {
        // A read of the first N bytes may end inside a character; forgive the last three bytes then.
        if (Utf8.IsValid(b))
        {
            return true;
        }

        for (var cut = 1; truncated && cut <= 3 && cut < b.Length; cut++)
        {
            if (Utf8.IsValid(b[..^cut]))
            {
                return true;
            }
        }

        return false;
    }

    private static FileExtensionContentTypeProvider CreateProvider()
    {
        var provider = new FileExtensionContentTypeProvider();
        foreach (var ext in new[] { ".md", ".markdown", ".mdown", ".mkd", ".mkdn" })
        {
            provider.Mappings[ext] = "text/markdown";
        }

        provider.Mappings[".log"] = Text;
        provider.Mappings[".csv"] = "text/csv";
        provider.Mappings[".yaml"] = "application/yaml";
        provider.Mappings[".yml"] = "application/yaml";
        provider.Mappings[".toml"] = "application/toml";
        provider.Mappings[".json"] = "application/json";
        provider.Mappings[".tgz"] = "application/gzip";
        provider.Mappings[".gz"] = "application/gzip";
        provider.Mappings[".webp"] = "image/webp";
        provider.Mappings[".avif"] = "image/avif";
        provider.Mappings[".heic"] = "image/heic";
        provider.Mappings[".opus"] = "audio/ogg";
        provider.Mappings[".zst"] = "application/zstd";
        provider.Mappings[".sqlite"] = "application/vnd.sqlite3";
        provider.Mappings[".psd"] = "image/vnd.adobe.photoshop";
        return provider;
    }
}
