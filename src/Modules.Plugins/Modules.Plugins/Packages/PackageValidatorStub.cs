// TEMPORARY: replaced by the validation branch on merge.
#pragma warning disable CA1822, CA1869
namespace CloudService.Modules.Plugins.Packages;

internal sealed record PluginManifest(string Id, string Name, string Version, string Author, string Description,
    string EntryAssembly, string SdkVersion, IReadOnlyList<string> MimeTypes, string? Homepage);

internal sealed class PackageLimits
{
    public long MaxPackageBytes { get; set; } = 50L * 1024 * 1024;
    public int MaxEntries { get; set; } = 2000;
    public long MaxEntryBytes { get; set; } = 100L * 1024 * 1024;
    public long MaxTotalBytes { get; set; } = 250L * 1024 * 1024;
    public double MaxCompressionRatio { get; set; } = 200;
    public int MaxManifestBytes { get; set; } = 64 * 1024;
}

internal enum ValidationStage { Received, InspectingArchive, CheckingManifest, CheckingAssemblies, Extracting, Ready, Failed }

internal readonly record struct ValidationProgress(ValidationStage Stage, int Percent);

internal sealed record ManifestPeek(PluginManifest? Manifest, IReadOnlyList<string> Errors);

internal sealed record PackageValidationResult(PluginManifest? Manifest, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0 && Manifest is not null;
}

internal sealed class PackageValidator(PackageLimits limits)
{
    public PackageLimits Limits => limits;

    public ManifestPeek PeekManifest(Stream package)
    {
        using var zip = new System.IO.Compression.ZipArchive(package, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true);
        var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("plugin.json", StringComparison.Ordinal));
        if (entry is null) return new ManifestPeek(null, ["The package has no plugin.json."]);
        using var s = entry.Open();
        var m = System.Text.Json.JsonSerializer.Deserialize<PluginManifest>(s, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        return new ManifestPeek(m, []);
    }

    public async Task<PackageValidationResult> ValidateAndExtractAsync(string packagePath, string targetDirectory,
        IProgress<ValidationProgress>? progress, CancellationToken cancellationToken)
    {
        await using var f = File.OpenRead(packagePath);
        var peek = PeekManifest(f);
        var tmp = targetDirectory + ".tmp";
        System.IO.Compression.ZipFile.ExtractToDirectory(packagePath, tmp, true);
        var root = Directory.GetDirectories(tmp).Length == 1 && Directory.GetFiles(tmp).Length == 0 ? Directory.GetDirectories(tmp)[0] : tmp;
        Directory.CreateDirectory(Path.GetDirectoryName(targetDirectory)!);
        if (!Directory.Exists(targetDirectory)) Directory.Move(root, targetDirectory);
        progress?.Report(new ValidationProgress(ValidationStage.Ready, 100));
        return new PackageValidationResult(peek.Manifest, peek.Errors);
    }
}
