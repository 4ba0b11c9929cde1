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
internal sealed class ExtractionRun(PackageLimits limits, string packagePath, string staging, MonotonicProgress progress, CancellationToken ct) : IDisposable
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

    /// <summary>Opens the archive and checks its directory: names, types, encryption, collisions, declared sizes.</summary>
    private List<Planned>? Inspect()
    {
        file = new FileStream(packagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        packageLength = file.Length;
        if (packageLength == 0)
        {
            problems.Add("The package is an empty file, not a ZIP archive.");
            return null;
        }

        switch (CentralDirectoryCount.Read(file))
        {
            case null:
                problems.Add("The package is not a ZIP archive.");
                return null;
            case 0:
                problems.Add("The package is empty: the ZIP archive has no entries.");
                return null;
            case { } count when count > limits.MaxEntries:
                problems.Add($"The package has {count:N0} entries; at most {limits.MaxEntries:N0} are allowed.");
                return null;
        }

        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"The package is not a readable ZIP archive: {e.Message}");
            return null;
        }

        var root = EntryNames.FindRoot(zip.Entries.Select(e => e.FullName));
        var seen = new Dictionary<string, (string Path, bool IsFile, string Entry)>(StringComparer.OrdinalIgnoreCase);
        var plan = new List<Planned>(zip.Entries.Count);
        long declaredTotal = 0;
        long compressedSum = 0;
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName;
            var shown = EntryNames.Show(name);
            var isDirectory = EntryNames.IsDirectory(name);
            var nameProblems = EntryNames.Problems(name).ToList();
            problems.AddRange(nameProblems);
            var inflate = !isDirectory;
            if (entry.IsEncrypted)
            {
                problems.Add($"Entry {shown} is encrypted; packages must not be.");
                inflate = false;
            }

            // Unix file type bits live in the high half of the external attributes.
            switch ((entry.ExternalAttributes >> 16) & 0xF000)
            {
                case 0 or 0x8000 or 0x4000:
                    break;
                case 0xA000:
                    problems.Add($"Entry {shown} is a symbolic link; a package may hold only files and folders.");
                    inflate = false;
                    break;
                default:
                    problems.Add($"Entry {shown} is a device, pipe or socket; a package may hold only files and folders.");
                    inflate = false;
                    break;
            }

            if (isDirectory && entry.Length > 0)
            {
                problems.Add($"Entry {shown} is a folder but carries {entry.Length:N0} bytes of data.");
            }

            if (inflate && entry.Length > limits.MaxEntryBytes)
            {
                problems.Add($"Entry {shown} declares {entry.Length:N0} bytes uncompressed; one entry may have at most {limits.MaxEntryBytes:N0}.");
                inflate = false;
            }

            if (Path.GetFileName(name.TrimEnd('/')).Equals(PackageValidator.SdkFileName, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Entry {shown} is a copy of the SDK assembly; plugins must use the server's {SdkInfo.AssemblyName} and not ship it (reference it with Private=false and ExcludeAssets=runtime).");
            }

            compressedSum += entry.CompressedLength;
            var write = nameProblems.Count == 0 && Claim(seen, name, isDirectory);
            declaredTotal += inflate ? entry.Length : 0;
            compressedTotal += inflate ? Math.Min(entry.CompressedLength, packageLength) : 0;
            plan.Add(new Planned(entry, name[root.Length..].TrimEnd('/'), isDirectory, inflate, write));
        }

        // Each entry's data is its own stretch of the file: more than the file holds means entries
        // overlap (a bomb that reuses one compressed kernel) or headers lie, and the ratio check
        // would be judged against sizes that are not real.
        if (compressedSum > packageLength)
        {
            problems.Add($"The entries claim {compressedSum:N0} bytes of compressed data, more than the {packageLength:N0} bytes of the package: they overlap or their headers lie.");
        }

        if (declaredTotal > limits.MaxTotalBytes)
        {
            problems.Add($"The package declares {declaredTotal:N0} bytes uncompressed in total; at most {limits.MaxTotalBytes:N0} are allowed.");
        }

        progress.Report(ValidationStage.InspectingArchive, FirstInflatePercent);
        return plan;
    }

    /// <summary>
    /// Registers a name and its folders; false (with the problem recorded) when it collides with an
    /// earlier entry: the same name twice, names differing only in case, or a file used as a folder.
    /// </summary>
    private bool Claim(Dictionary<string, (string Path, bool IsFile, string Entry)> seen, string name, bool isDirectory)
    {
        var segments = name.TrimEnd('/').Split('/');
        var path = "";
        for (var i = 0; i < segments.Length; i++)
        {
            path = i == 0 ? segments[0] : $"{path}/{segments[i]}";
            var isFile = !isDirectory && i == segments.Length - 1;
            if (!seen.TryGetValue(path, out var earlier))
            {
                seen[path] = (path, isFile, name);
                continue;
            }

            if (!string.Equals(earlier.Path, path, StringComparison.Ordinal))
            {
                problems.Add($"Entries {EntryNames.Show(earlier.Entry)} and {EntryNames.Show(name)} differ only in case ({EntryNames.Show(earlier.Path)} vs {EntryNames.Show(path)}); they would collide on a case-insensitive file system.");
                return false;
            }

            if (isFile && earlier.IsFile)
            {
                problems.Add($"Entry {EntryNames.Show(name)} appears more than once in the package.");
                return false;
            }

            if (isFile || earlier.IsFile)
            {
                problems.Add($"Entry {EntryNames.Show(name)} uses {EntryNames.Show(path)} both as a file and as a folder.");
                return false;
            }
        }

        return true;
    }

    private PluginManifest? CheckManifest(List<Planned> plan)
    {
        stage = ValidationStage.CheckingManifest;
        progress.Report(stage, CurrentPercent());
        var entry = plan.FirstOrDefault(p => !p.IsDirectory && p.RelativePath == ManifestReader.FileName);
        if (entry is null)
        {
            problems.Add(PackageValidator.NoManifest(EntryNames.FindRoot(plan.Select(p => p.Entry.FullName))));
            return null;
        }

        if (!Extract(entry, limits.MaxManifestBytes) || entry.WrittenTo is null)
        {
            return null;
        }

        var reading = ManifestReader.Read(File.ReadAllBytes(entry.WrittenTo));
        problems.AddRange(reading.Errors);
        return reading.Manifest;
    }

    private void CheckAssemblies(List<Planned> plan, PluginManifest? manifest)
    {
        stage = ValidationStage.CheckingAssemblies;
        progress.Report(stage, CurrentPercent());
        var assemblies = plan.Where(p => !p.IsDirectory && p.RelativePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var assembly in assemblies)
        {
            Extract(assembly);
        }

        foreach (var assembly in assemblies.Where(a => a.WrittenTo is not null))
        {
            ct.ThrowIfCancellationRequested();
            if (!Path.GetFileName(assembly.RelativePath).Equals(PackageValidator.SdkFileName, StringComparison.OrdinalIgnoreCase)
                && AssemblyInspector.AssemblyNameOf(assembly.WrittenTo!) == SdkInfo.AssemblyName)
            {
                problems.Add($"Entry {EntryNames.Show(assembly.Entry.FullName)} is a renamed copy of the SDK assembly {SdkInfo.AssemblyName}; plugins must use the server's.");
            }
        }

        if (manifest is not { EntryAssembly: { Length: > 0 } entryAssembly } || !EntryNames.IsSafe(entryAssembly)
            || !entryAssembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return; // the manifest's problems are reported already
        }

        var entry = assemblies.FirstOrDefault(a => a.RelativePath == entryAssembly);
        if (entry is null)
        {
            var differentCase = plan.FirstOrDefault(p => p.RelativePath.Equals(entryAssembly, StringComparison.OrdinalIgnoreCase));
            problems.Add(differentCase is null
                ? $"entryAssembly '{entryAssembly}' is not in the package."
                : $"entryAssembly '{entryAssembly}' is not in the package; it has {EntryNames.Show(differentCase.Entry.FullName)} (names are case-sensitive).");
            return;
        }

        if (entry.WrittenTo is not null)
        {
            problems.AddRange(AssemblyInspector.CheckEntryAssembly(entry.WrittenTo, EntryNames.Show(entry.Entry.FullName)));
        }
    }

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
