using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Plugins;

/// <summary>Plugin packages the tests upload.</summary>
internal static class TestPackages
{
    /// <summary>A well-formed manifest whose entry assembly is missing: uploads fine, fails validation.</summary>
    public static byte[] WithoutEntryAssembly(string id, string version) =>
        PluginApi.Zip(($"{id}/plugin.json", PluginApi.Manifest(id, version)));
}
