using System.IO.Compression;
using System.Text;

namespace CloudService.Benchmarks.Corpus;

/// <summary>
/// Plugin packages for the validation figure, built on the real Markdown plugin package (so they
/// validate): one of about 50 MB with assets of every kind, and one of 2,000 tiny files.
/// </summary>
internal static class PluginPackages
{
    public const string Large = "50 MB mixed";
    public const string Tiny = "2,000 tiny files";

    /// <summary>8,000 tiny files (the app needs <c>MaxEntries</c> raised): seconds of extraction, a window to kill the server in.</summary>
    public const string Slow = "8,000 tiny files";

    /// <summary>Writes <paramref name="kind"/> to <paramref name="path"/> (unless it is there) and returns the path.</summary>
    public static string Build(string kind, string basePackage, string path)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var partial = path + ".partial";
        using (var output = File.Create(partial))
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create))
        {
            var root = CopyPlugin(basePackage, zip);
            if (kind == Large)
            {
                AddLargeAssets(zip, root);
            }
            else
            {
                AddTinyFiles(zip, root, kind == Slow ? 7996 : 1996);
            }
        }

        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary>Copies the plugin's entries (not its folder entry) and returns its top-level folder.</summary>
    private static string CopyPlugin(string basePackage, ZipArchive zip)
    {
        using var source = ZipFile.OpenRead(basePackage);
        string root = "";
        foreach (var entry in source.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            root = entry.FullName[..(entry.FullName.IndexOf('/', StringComparison.Ordinal) + 1)];
            var copy = zip.CreateEntry(entry.FullName, CompressionLevel.Optimal);
            using var from = entry.Open();
            using var to = copy.Open();
            from.CopyTo(to);
        }

        return root;
    }

    /// <summary>
    /// About 48 MiB compressed (the upload limit is 50 MiB): 300 text assets (Markdown and JSON, 40–400 KB,
    /// deflated two- to threefold) and 10 binary assets that do not compress (2 MiB each).
    /// </summary>
    private static void AddLargeAssets(ZipArchive zip, string root)
    {
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var size = 40 * 1024 + random.Next(360 * 1024);
            var text = i % 2 == 0 ? MarkdownCorpus.Document(size, i) : Json(random, size);
            Add(zip, $"{root}assets/docs/{i:D3}.{(i % 2 == 0 ? "md" : "json")}", Encoding.UTF8.GetBytes(text));
        }

        var bytes = new byte[2 * 1024 * 1024];
        for (var i = 0; i < 10; i++)
        {
            random.NextBytes(bytes);
            Add(zip, $"{root}assets/media/{i:D2}.bin", bytes);
        }
    }

    private static void AddTinyFiles(ZipArchive zip, string root, int count)
    {
        var random = new Random(11);
        // The plugin's 4 files and 1,996 of these make 2,000 entries: the most a package may have by default.
        for (var i = 0; i < count; i++)
        {
            Add(zip, $"{root}assets/i18n/{i / 100:D2}/{i:D4}.json", Encoding.UTF8.GetBytes(Json(random, 200 + random.Next(1500))));
        }
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }

    private static string Json(Random random, int size)
    {
        var text = new StringBuilder(size + 64).Append("{\n");
        for (var i = 0; text.Length < size; i++)
        {
            text.Append("  \"key").Append(i).Append("\": \"").Append(random.Next()).Append(' ').Append(random.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture)).Append("\",\n");
        }

        return text.Append("  \"end\": true\n}\n").ToString();
    }
}
