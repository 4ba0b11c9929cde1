using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// One validation of one package, in a single pass over the archive: every entry is inflated exactly
/// once, counted as it inflates (sizes and compression ratio are judged on the real bytes, never on
/// the headers), checked against its CRC-32, and — when its name is safe — written to the staging
/// folder at the same time. The stages follow the order the admin sees: the archive's directory,
/// plugin.json, the assemblies (inflated first so they can be inspected), then everything else.
/// </summary>
internal sealed partial class ExtractionRun(PackageLimits limits, string packagePath, string staging, MonotonicProgress progress, CancellationToken ct) : IDisposable
{
    private const int BufferSize = 128 * 1024;
    private const int FirstInflatePercent = 5;
    private const int LastInflatePercent = 95;

    private readonly Problems problems = new();
    private readonly byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly HashSet<string> createdDirectories = new(StringComparer.Ordinal);
    private FileStream? file;
    private ZipArchive? zip;
    private ValidationStage stage = ValidationStage.InspectingArchive;
    private long packageLength;
    private long compressedTotal;
    private long compressedDone;
    private long inflatedTotal;
    private bool totalExceeded;

    public (PluginManifest? Manifest, IReadOnlyList<string> Errors) Execute()
    {
        progress.Report(ValidationStage.InspectingArchive, 1);
        var plan = Inspect();
        if (plan is null)
        {
            return (null, problems.ToList());
        }

        var manifest = CheckManifest(plan);
        CheckAssemblies(plan, manifest);
        ExtractRest(plan);
        return (manifest, problems.ToList());
    }

    private void EnsureDirectory(string directory)
    {
        if (createdDirectories.Add(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>The staging path of a safe relative name, checked once more to be inside the staging folder.</summary>
    private string StagingPath(string relativePath)
    {
        var path = Path.GetFullPath(Path.Combine(staging, relativePath));
        if (!path.StartsWith(staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{relativePath}' resolves outside the staging folder.");
        }

        return path;
    }

    private int CurrentPercent(long currentEntryDone = 0) =>
        compressedTotal == 0
            ? FirstInflatePercent
            : FirstInflatePercent + (int)((LastInflatePercent - FirstInflatePercent) * Math.Min(1.0, (double)(compressedDone + currentEntryDone) / compressedTotal));

    public void Dispose()
    {
        zip?.Dispose();
        file?.Dispose();
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private sealed class Planned(ZipArchiveEntry entry, string relativePath, bool isDirectory, bool inflate, bool write)
    {
        public ZipArchiveEntry Entry { get; } = entry;

        /// <summary>The name below the package root, without a trailing slash.</summary>
        public string RelativePath { get; } = relativePath;

        public bool IsDirectory { get; } = isDirectory;

        /// <summary>Whether to inflate it at all (not encrypted, not a link, not declared too large).</summary>
        public bool Inflate { get; } = inflate;

        /// <summary>Whether its name is safe to write; unsafe entries are still inflated and counted.</summary>
        public bool Write { get; } = write;

        public bool Done { get; set; }

        public string? WrittenTo { get; set; }
    }
}
