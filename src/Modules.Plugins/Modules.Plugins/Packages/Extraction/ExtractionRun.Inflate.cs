using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

// Inflating: counted, size- and ratio-checked and CRC-checked as the bytes come, written to staging at once.
internal sealed partial class ExtractionRun
{
    private void ExtractRest(List<Planned> plan)
    {
        stage = ValidationStage.Extracting;
        progress.Report(stage, CurrentPercent());
        foreach (var entry in plan)
        {
            if (entry.IsDirectory)
            {
                if (entry.Write && entry.RelativePath.Length > 0)
                {
                    EnsureDirectory(StagingPath(entry.RelativePath));
                }
            }
            else if (!entry.Done)
            {
                Extract(entry);
            }
        }
    }

    /// <summary>
    /// Inflates one entry, counting real bytes against the limits and the bomb ratio as they come,
    /// verifying its CRC-32, and writing it to the staging folder when its name is safe. False when
    /// the entry has a problem (recorded).
    /// </summary>
    private bool Extract(Planned entry, long? sizeLimit = null)
    {
        entry.Done = true;
        if (!entry.Inflate || totalExceeded)
        {
            return false;
        }

        ct.ThrowIfCancellationRequested();
        var shown = EntryNames.Show(entry.Entry.FullName);
        var compressed = Math.Max(1, Math.Min(entry.Entry.CompressedLength, packageLength));
        var declared = Math.Max(1, entry.Entry.Length);
        var limit = sizeLimit ?? limits.MaxEntryBytes;
        var path = entry.Write ? StagingPath(entry.RelativePath) : null;
        var crc = new Crc32();
        long inflated = 0;
        var ok = true;
        try
        {
            using var input = entry.Entry.Open();
            if (path is not null)
            {
                EnsureDirectory(Path.GetDirectoryName(path)!);
            }

            // A bare handle, no FileStream: the chunks are large already and the staging folder is ours
            // alone (no sharing lock needed). CreateNew: a name is written once or not at all.
            using var output = path is null ? null : File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
            int read;
            var nextReport = 4L << 20;
            while ((read = input.Read(buffer, 0, BufferSize)) > 0)
            {
                inflated += read;
                inflatedTotal += read;
                if (inflated > limit)
                {
                    problems.Add(sizeLimit is null
                        ? $"Entry {shown} inflates to more than {limit:N0} bytes; one entry may have at most {limit:N0}."
                        : $"Entry {shown} is larger than the {limit:N0} bytes allowed for it.");
                    ok = false;
                    break;
                }

                if (inflated > limits.RatioCheckMinBytes && inflated > limits.MaxCompressionRatio * compressed)
                {
                    problems.Add($"Entry {shown} is a zip bomb: it inflated to more than {limits.MaxCompressionRatio:0.#} times its compressed size ({inflated:N0} bytes from {compressed:N0}) and was stopped.");
                    ok = false;
                    break;
                }

                if (inflatedTotal > limits.MaxTotalBytes)
                {
                    problems.Add($"The package inflates to more than {limits.MaxTotalBytes:N0} bytes in total; stopped at entry {shown}.");
                    totalExceeded = true;
                    ok = false;
                    break;
                }

                crc.Append(buffer.AsSpan(0, read));
                if (output is not null)
                {
                    RandomAccess.Write(output, buffer.AsSpan(0, read), inflated - read);
                }

                if (inflated >= nextReport)
                {
                    nextReport += 4L << 20;
                    ct.ThrowIfCancellationRequested();
                    progress.Report(stage, CurrentPercent(compressed * Math.Min(inflated, declared) / declared));
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            problems.Add($"Entry {shown} cannot be inflated; the archive is damaged ({e.Message}).");
            ok = false;
        }
        catch (NotSupportedException e)
        {
            problems.Add($"Entry {shown} uses a compression method this server does not support ({e.Message}).");
            ok = false;
        }

        if (ok && crc.GetCurrentHashAsUInt32() != entry.Entry.Crc32)
        {
            problems.Add($"Entry {shown} is damaged: its content does not match its CRC-32 (or its header lies about its size).");
            ok = false;
        }

        if (ok && inflated != entry.Entry.Length)
        {
            problems.Add($"Entry {shown} inflates to {inflated:N0} bytes, not the {entry.Entry.Length:N0} its header declares.");
            ok = false;
        }

        compressedDone += Math.Min(entry.Entry.CompressedLength, packageLength);
        progress.Report(stage, CurrentPercent());
        entry.WrittenTo = ok ? path : null;
        return ok;
    }
}
