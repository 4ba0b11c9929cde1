using System.IO.Compression;
using System.Text.Json;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Plugins;

/// <summary>A first-party plugin's package as scripts/pack-plugins.sh writes it (test.sh runs it before the tests).</summary>
internal sealed class FirstPartyPackage
{
    public static FirstPartyPackage Csv { get; } = new("CsvPreview");

    private readonly Lazy<byte[]> bytes;

    private FirstPartyPackage(string folder)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "plugins", folder, "plugin.json")));
        Id = manifest.RootElement.GetProperty("id").GetString()!;
        Version = manifest.RootElement.GetProperty("version").GetString()!;
        var path = Path.Combine(RepositoryRoot.Path, "artifacts", "plugins", $"{Id}-{Version}.zip");
        bytes = new(() => File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new InvalidOperationException($"{path} does not exist: run scripts/pack-plugins.sh (./test.sh does)."));
    }

    public string Id { get; }

    public string Version { get; }

    public byte[] Bytes => bytes.Value;

    /// <summary>The package's entry names.</summary>
    public List<string> Entries()
    {
        using var zip = new ZipArchive(new MemoryStream(Bytes), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal)];
    }
}
