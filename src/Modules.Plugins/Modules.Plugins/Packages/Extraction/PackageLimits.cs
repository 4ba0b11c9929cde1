namespace CloudService.Modules.Plugins.Packages;

/// <summary>What a plugin package may hold. Bound from <c>CloudService:Plugins:Limits</c>.</summary>
internal sealed class PackageLimits
{
    /// <summary>The largest package accepted by the upload (compressed size).</summary>
    public long MaxPackageBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>The most entries (files and folders) a package may hold.</summary>
    public int MaxEntries { get; set; } = 2000;

    /// <summary>The most bytes one entry may inflate to.</summary>
    public long MaxEntryBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The most bytes all entries together may inflate to.</summary>
    public long MaxTotalBytes { get; set; } = 250L * 1024 * 1024;

    /// <summary>An entry inflating to more than this many times its compressed size is a zip bomb.</summary>
    public double MaxCompressionRatio { get; set; } = 200;

    /// <summary>
    /// The ratio is only judged once an entry has inflated past this many bytes: a few kilobytes of
    /// blanks compress a thousandfold and are harmless, a bomb has to get big to do harm.
    /// </summary>
    public long RatioCheckMinBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest plugin.json accepted.</summary>
    public int MaxManifestBytes { get; set; } = 64 * 1024;
}
