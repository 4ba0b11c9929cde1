using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Upload;

namespace CloudService.Modules.Plugins.Activation;

/// <summary>
/// Makes sure a validated version is extracted in this instance's plugin folder: another instance
/// may have validated it, or this folder may have been wiped. The package comes from the shared
/// store and passes the same checks again before anything is loaded from it.
/// </summary>
internal sealed class LocalInstall(PluginsOptions options, PackageStore packages)
{
    public async Task<(string? Directory, string? Error)> EnsureExtractedAsync(string pluginId, string version, CancellationToken ct)
    {
        var directory = options.VersionDirectory(pluginId, version);
        if (Directory.Exists(directory))
        {
            return (directory, null);
        }

        var temp = Path.Combine(options.Root, ".incoming", $"{pluginId}-{version}-{Guid.NewGuid():N}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            if (!await packages.CopyToFileAsync(pluginId, version, temp, ct))
            {
                return (null, $"The package of {pluginId} {version} is not in the package store.");
            }

            var result = await new PackageValidator(options.Limits).ValidateAndExtractAsync(temp, directory, null, ct);
            return result.Succeeded ? (directory, null) : (null, string.Join(" ", result.Errors));
        }
        finally
        {
            File.Delete(temp);
        }
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
