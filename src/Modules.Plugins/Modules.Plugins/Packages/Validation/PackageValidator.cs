using System.IO.Compression;
using CloudService.BuildingBlocks.Errors;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Checks a plugin package and extracts it. Every problem is collected, not just the first; nothing
/// is ever written outside a staging folder beside the target, and the target appears only through
/// one rename once every check has passed. See <see cref="ExtractionRun"/> for the single pass that
/// inflates, checks and writes each entry once.
/// </summary>
internal sealed class PackageValidator(PackageLimits limits)
{
    public PackageLimits Limits => limits;

    /// <summary>
    /// What the upload can tell cheaply: is it a ZIP, where is plugin.json, which id and version does
    /// it name. Only plain refusals end up in <see cref="ManifestPeek.Errors"/>; the manifest may still
    /// have other problems, which the full validation reports.
    /// </summary>
    public ManifestPeek PeekManifest(Stream package)
    {
        if (package.CanSeek)
        {
            if (package.Length == 0)
            {
                return Refuse("The file is empty, not a ZIP archive.");
            }

            switch (CentralDirectoryCount.Read(package))
            {
                case null:
                    return Refuse("The file is not a ZIP archive.");
                case 0:
                    return Refuse("The package is empty: the ZIP archive has no entries.");
                case { } count when count > limits.MaxEntries:
                    return Refuse($"The package has {count:N0} entries; at most {limits.MaxEntries:N0} are allowed.");
            }
        }

        try
        {
            using var zip = new ZipArchive(package, ZipArchiveMode.Read, leaveOpen: true);
            var root = EntryNames.FindRoot(zip.Entries.Select(e => e.FullName));
            var entry = zip.Entries.FirstOrDefault(e => e.FullName == root + ManifestReader.FileName);
            if (entry is null)
            {
                return Refuse(NoManifest(root));
            }

            if (entry.IsEncrypted)
            {
                return Refuse($"{EntryNames.Show(entry.FullName)} is encrypted; packages must not be.");
            }

            using var manifest = new MemoryStream();
            using (var content = entry.Open())
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    if (manifest.Length + read > limits.MaxManifestBytes)
                    {
                        return Refuse($"{EntryNames.Show(entry.FullName)} is larger than {limits.MaxManifestBytes:N0} bytes.");
                    }

                    manifest.Write(buffer, 0, read);
                }
            }

            var reading = ManifestReader.Read(manifest.GetBuffer().AsMemory(0, (int)manifest.Length));
            return new ManifestPeek(reading.Manifest, reading.IdentityErrors);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException)
        {
            return Refuse($"The file is not a readable ZIP archive: {SafeText.Scrub(e.Message)}");
        }

        static ManifestPeek Refuse(string reason) => new(null, [reason]);
    }

    /// <summary>
    /// Validates the package at <paramref name="packagePath"/> and, when it is valid, extracts it to
    /// <paramref name="targetDirectory"/> (<c>&lt;plugins root&gt;/&lt;id&gt;/&lt;version&gt;</c>). On failure
    /// nothing is left behind: no target, no staging folder.
    /// </summary>
    public Task<PackageValidationResult> ValidateAndExtractAsync(string packagePath, string targetDirectory,
        IProgress<ValidationProgress>? progress, CancellationToken cancellationToken) =>
        Task.Run(() => ValidateAndExtract(packagePath, targetDirectory, progress, cancellationToken), cancellationToken);

    private PackageValidationResult ValidateAndExtract(string packagePath, string targetDirectory,
        IProgress<ValidationProgress>? progress, CancellationToken ct)
    {
        var target = Path.GetFullPath(targetDirectory);
        var parent = Path.GetDirectoryName(target)!;
        var version = Path.GetFileName(target);
        var parentExisted = Directory.Exists(parent);
        RemoveLeftovers(parent, version);
        var staging = Path.Combine(parent, $".{version}.staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        var succeeded = false;
        var reporter = new MonotonicProgress(progress);
        try
        {
            using var run = new ExtractionRun(limits, packagePath, staging, reporter, ct);
            var (manifest, errors) = run.Execute();
            if (errors.Count > 0 || manifest is null)
            {
                reporter.Report(ValidationStage.Failed, 100);
                return new PackageValidationResult(manifest, errors.Count > 0 ? errors : ["The package has no valid manifest."]);
            }

            reporter.Report(ValidationStage.Extracting, 97);
            MoveIntoPlace(staging, target, parent, version);
            succeeded = true;
            reporter.Report(ValidationStage.Ready, 100);
            return new PackageValidationResult(manifest, []);
        }
        finally
        {
            if (!succeeded)
            {
                DeleteQuietly(staging);
                if (!parentExisted)
                {
                    // Only an empty folder this run created; another version's run may be using it.
                    try
                    {
                        Directory.Delete(parent);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        }
    }

    /// <summary>The one rename. A folder already at the target (a run that crashed after its rename) is swapped out, never merged into.</summary>
    private static void MoveIntoPlace(string staging, string target, string parent, string version)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }

        var replaced = Path.Combine(parent, $".{version}.replaced-{Guid.NewGuid():N}");
        Directory.Move(target, replaced);
        Directory.Move(staging, target);
        DeleteQuietly(replaced);
    }

    /// <summary>Staging folders of this version left by a run that died (one version is validated by one run at a time).</summary>
    private static void RemoveLeftovers(string parent, string version)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var pattern in new[] { $".{version}.staging-*", $".{version}.replaced-*" })
        {
            foreach (var leftover in Directory.EnumerateDirectories(parent, pattern))
            {
                DeleteQuietly(leftover);
            }
        }
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held open; the folder is hidden and removed with the next run or the plugin.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal static string NoManifest(string root) => root.Length > 0
        ? $"The package has no {ManifestReader.FileName} in its top-level folder {EntryNames.Show(root)}."
        : $"The package has no {ManifestReader.FileName} at its root (nor a single top-level folder holding one).";

    internal static string SdkFileName => SdkInfo.AssemblyName + ".dll";
}
