using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

// The archive's directory, judged before anything is inflated.
internal sealed partial class ExtractionRun
{
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
}
