using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace CloudService.Plugins.Sdk.Build;

/// <summary>Checks a plugin project's <c>plugin.json</c> against the server's rules, the project's version and the SDK it references.</summary>
public sealed class CheckPluginManifest : Microsoft.Build.Utilities.Task
{
    /// <summary>The project's plugin.json.</summary>
    [Required]
    public string ManifestPath { get; set; } = "";

    /// <summary>The project's <c>$(Version)</c>; the manifest's version must equal it.</summary>
    public string ProjectVersion { get; set; } = "";

    /// <summary>The CloudService.Plugins.Sdk version the project compiles against.</summary>
    public string SdkVersion { get; set; } = "";

    [Output]
    public string PluginId { get; private set; } = "";

    [Output]
    public string PluginVersion { get; private set; } = "";

    [Output]
    public string EntryAssembly { get; private set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(ManifestPath))
        {
            Log.LogError(null, "CSP001", null, ManifestPath, 0, 0, 0, 0,
                "The project has no plugin.json beside it ({0}). Every plugin needs one: id, name, version, author, description, entryAssembly, sdkVersion (see the plugin development guide).", ManifestPath);
            return false;
        }

        var (manifest, problems) = PluginManifestRules.Check(File.ReadAllBytes(ManifestPath), ProjectVersion, SdkVersion);
        foreach (var problem in problems)
        {
            Log.LogError(null, problem.Code, null, ManifestPath, 0, 0, 0, 0, "{0}", problem.Message);
        }

        if (manifest is null)
        {
            return false;
        }

        PluginId = manifest.Id;
        PluginVersion = manifest.Version;
        EntryAssembly = manifest.EntryAssembly;
        return true;
    }
}
