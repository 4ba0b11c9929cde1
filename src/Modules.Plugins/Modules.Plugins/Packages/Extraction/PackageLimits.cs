using System.ComponentModel.DataAnnotations;
namespace CloudService.Modules.Plugins.Packages;

/// <summary>What a plugin package may hold. Bound from <c>CloudService:Plugins:Limits</c>.</summary>
internal sealed class PackageLimits
{
    /// <summary>The largest package accepted by the upload (compressed size).</summary>
    [Range(1, long.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxPackageBytes must be a positive number of bytes.")]
    public long MaxPackageBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>The most entries (files and folders) a package may hold.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxEntries must be at least 1.")]
    public int MaxEntries { get; set; } = 2000;

    /// <summary>The most bytes one entry may inflate to.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxEntryBytes must be a positive number of bytes.")]
    public long MaxEntryBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The most bytes all entries together may inflate to.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxTotalBytes must be a positive number of bytes.")]
    public long MaxTotalBytes { get; set; } = 250L * 1024 * 1024;

    /// <summary>An entry inflating to more than this many times its compressed size is a zip bomb.</summary>
    [Range(1.0, double.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxCompressionRatio must be at least 1.")]
    public double MaxCompressionRatio { get; set; } = 200;

    /// <summary>
    /// The ratio is only judged once an entry has inflated past this many bytes: a few kilobytes of
    /// blanks compress a thousandfold and are harmless, a bomb has to get big to do harm.
    /// </summary>
    [Range(0, long.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:RatioCheckMinBytes must not be negative.")]
    public long RatioCheckMinBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest plugin.json accepted.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "CloudService:Plugins:Limits:MaxManifestBytes must be a positive number of bytes.")]
    public int MaxManifestBytes { get; set; } = 64 * 1024;
}
