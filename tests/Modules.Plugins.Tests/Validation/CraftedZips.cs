using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>
/// Builds the hostile archives the validator must refuse: any entry name, Unix file types in the
/// external attributes, and header fields patched after writing (encryption flag, lying sizes,
/// unknown compression methods) — what an attacker's own ZIP writer would produce.
/// </summary>
internal static class CraftedZips
{
    public const int Symlink = 0xA1FF;
    public const int Fifo = 0x11A4;

    public sealed record Item(string Name, byte[] Content, int? UnixMode = null, CompressionLevel Level = CompressionLevel.Fastest);

    public static Item File(string name, byte[] content) => new(name, content);

    public static Item File(string name, string content) => new(name, Encoding.UTF8.GetBytes(content));

    public static byte[] Zip(IEnumerable<Item> items)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var item in items)
            {
                var entry = zip.CreateEntry(item.Name, item.Level);
                if (item.UnixMode is { } mode)
                {
                    entry.ExternalAttributes = mode << 16;
                }

                using var stream = entry.Open();
                stream.Write(item.Content);
            }
        }

        return memory.ToArray();
    }

    public static byte[] Zip(params Item[] items) => Zip((IEnumerable<Item>)items);

    /// <summary>The entries of a valid package as items, for adding hostile ones beside them.</summary>
    public static List<Item> ValidPackage(string id = "test-plugin", string version = "1.0.0", string? source = null,
        Action<Dictionary<string, object?>>? manifest = null) =>
        [.. TestPlugins.PackageEntries(id, version, source, manifest).Select(e => new Item(e.Name, e.Content))];

    /// <summary>Sets the "encrypted" flag of an entry in its local header and its central directory record.</summary>
    public static byte[] MarkEncrypted(byte[] zip, string name) =>
        Patch(zip, name, (span, central) =>
        {
            var at = central ? 8 : 6;
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span[at..]) | 1));
        });

    /// <summary>Makes both headers of an entry lie about its uncompressed size.</summary>
    public static byte[] DeclareUncompressedSize(byte[] zip, string name, uint size) =>
        Patch(zip, name, (span, central) => BinaryPrimitives.WriteUInt32LittleEndian(span[(central ? 24 : 22)..], size));

    /// <summary>Makes both headers of an entry claim more compressed data than it has.</summary>
    public static byte[] DeclareCompressedSize(byte[] zip, string name, uint size) =>
        Patch(zip, name, (span, central) => BinaryPrimitives.WriteUInt32LittleEndian(span[(central ? 20 : 18)..], size));

    /// <summary>Sets the compression method of an entry (14 = LZMA, which this server does not inflate).</summary>
    public static byte[] SetCompressionMethod(byte[] zip, string name, ushort method) =>
        Patch(zip, name, (span, central) => BinaryPrimitives.WriteUInt16LittleEndian(span[(central ? 10 : 8)..], method));

    private delegate void HeaderPatch(Span<byte> header, bool central);

    private static byte[] Patch(byte[] zip, string name, HeaderPatch patch)
    {
        var copy = (byte[])zip.Clone();
        var wanted = Encoding.UTF8.GetBytes(name);
        var patched = 0;
        for (var at = 0; at + 46 <= copy.Length; at++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(at));
            var (central, nameLengthAt, nameAt) = signature switch
            {
                0x04034b50 => (false, 26, 30),
                0x02014b50 => (true, 28, 46),
                _ => (false, -1, -1),
            };
            if (nameAt < 0)
            {
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(at + nameLengthAt));
            if (at + nameAt + length <= copy.Length && copy.AsSpan(at + nameAt, length).SequenceEqual(wanted))
            {
                patch(copy.AsSpan(at), central);
                patched++;
            }
        }

        return patched == 2 ? copy : throw new InvalidOperationException($"Expected a local header and a central record for '{name}', patched {patched}.");
    }
}
