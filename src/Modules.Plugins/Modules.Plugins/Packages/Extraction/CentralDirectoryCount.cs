using System.Buffers.Binary;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Reads how many entries a ZIP declares from its end-of-central-directory record, before
/// <see cref="System.IO.Compression.ZipArchive"/> builds an object per entry: a 50 MB archive can
/// declare a million tiny entries. ZipArchive later insists that the count is true.
/// </summary>
internal static class CentralDirectoryCount
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndSize = 22;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>The declared number of entries, or null when no end record is found (not a ZIP).</summary>
    public static long? Read(Stream zip)
    {
        if (!zip.CanSeek || zip.Length < EndSize)
        {
            return null;
        }

        var tailLength = (int)Math.Min(zip.Length, EndSize + MaxCommentLength);
        var tail = new byte[tailLength];
        zip.Seek(-tailLength, SeekOrigin.End);
        zip.ReadExactly(tail);
        zip.Seek(0, SeekOrigin.Begin);

        for (var at = tailLength - EndSize; at >= 0; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at)) != EndSignature)
            {
                continue;
            }

            var count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(at + 10));
            if (count != ushort.MaxValue)
            {
                return count;
            }

            // ZIP64: the real count is in the ZIP64 end record the locator (just before) points to.
            var locator = at - 20;
            if (locator < 0 || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(locator)) != Zip64LocatorSignature)
            {
                return count;
            }

            var zip64End = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(locator + 8));
            if (zip64End < 0 || zip64End > zip.Length - 56)
            {
                return null;
            }

            var record = new byte[56];
            zip.Seek(zip64End, SeekOrigin.Begin);
            zip.ReadExactly(record);
            zip.Seek(0, SeekOrigin.Begin);
            return BinaryPrimitives.ReadUInt32LittleEndian(record) == Zip64EndSignature
                ? BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32))
                : null;
        }

        return null;
    }
}
