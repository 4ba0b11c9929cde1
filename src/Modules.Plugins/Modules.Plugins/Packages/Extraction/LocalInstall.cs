namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// This instance's plugin folder. A version gets there one way only: its package is copied out of
/// the shared package store and passes every check while it is extracted — whether the validation
/// job does it right after the upload, or an instance that has not got the folder yet (another
/// instance validated it, or this folder was wiped) does it before loading.
/// </summary>
internal sealed class LocalInstall(PluginsOptions options, PackageStore packages)
{
    /// <summary>Copies, validates and extracts into <c>&lt;root&gt;/&lt;id&gt;/&lt;version&gt;/</c>; null when the package is not in the store.</summary>
    public async Task<PackageValidationResult?> CopyValidateAndExtractAsync(string pluginId, string version, IProgress<ValidationProgress>? progress, CancellationToken ct)
    {
        var directory = options.VersionDirectory(pluginId, version);
        var temp = Path.Combine(options.Root, ".incoming", $"{pluginId}-{version}-{Guid.NewGuid():N}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            return await packages.CopyToFileAsync(pluginId, version, temp, ct)
                ? await new PackageValidator(options.Limits).ValidateAndExtractAsync(temp, directory, progress, ct)
                : null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<(string? Directory, string? Error)> EnsureExtractedAsync(string pluginId, string version, CancellationToken ct)
    {
        var directory = options.VersionDirectory(pluginId, version);
        if (Directory.Exists(directory))
        {
            return (directory, null);
        }

        return await CopyValidateAndExtractAsync(pluginId, version, null, ct) switch
        {
            null => (null, $"The package of {pluginId} {version} is not in the package store."),
            { Succeeded: true } => (directory, null),
            var failed => (null, string.Join(" ", failed.Errors)),
        };
    }

    public void RemoveAll(string pluginId)
    {
        var directory = options.PluginDirectory(pluginId);
        if (Directory.Exists(directory))
        {
            // Rename first so a half-deleted folder is never mistaken for an installed version.
            var doomed = Path.Combine(options.Root, ".deleting", $"{pluginId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path.GetDirectoryName(doomed)!);
            Directory.Move(directory, doomed);
            Directory.Delete(doomed, recursive: true);
        }
    }
}
