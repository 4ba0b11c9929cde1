using System.Reflection;
using System.Runtime.Loader;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>
/// The collectible context one plugin version runs in. The SDK and the shared framework come from
/// the host (so casts to SDK interfaces work and the framework is loaded once); everything else
/// resolves from the plugin's folder through its .deps.json (or, without one, from the folder), even
/// when the host happens to ship an assembly of the same name.
/// </summary>
internal sealed class PluginLoadContext(string name, string entryAssemblyPath) : AssemblyLoadContext(name, isCollectible: true)
{
    private readonly AssemblyDependencyResolver resolver = new(entryAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (HostAssemblies.IsShared(assemblyName))
        {
            return null;
        }

        // No fallback to the host's own dependencies: a plugin that forgot to ship one must fail
        // here, not bind by accident to whatever version of it the host happens to carry.
        return resolver.ResolveAssemblyToPath(assemblyName) is { } path
            ? LoadFromAssemblyPath(path)
            : throw new FileNotFoundException($"Could not load '{assemblyName.FullName}': the plugin does not ship it and it is not part of the shared framework.");
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}

/// <summary>Which assemblies a plugin shares with the host: the SDK and the shared frameworks.</summary>
internal static class HostAssemblies
{
    private static readonly string SdkName = typeof(IPlugin).Assembly.GetName().Name!;

    /// <summary>
    /// Names of the assemblies in the shared frameworks the host runs on (Microsoft.NETCore.App,
    /// Microsoft.AspNetCore.App): the trusted platform assemblies below the runtime's "shared" folder.
    /// The host's own dependencies (Marten, MassTransit, ...) are deliberately not shared.
    /// </summary>
    private static readonly HashSet<string> Framework = FindFramework();

    public static bool IsShared(AssemblyName name) =>
        name.Name is { } simple && (simple == SdkName || Framework.Contains(simple));

    private static HashSet<string> FindFramework()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        // <dotnet>/shared/Microsoft.NETCore.App/<version>/ → <dotnet>/shared/
        var sharedRoot = Path.GetDirectoryName(Path.GetDirectoryName(runtimeDirectory)) ?? runtimeDirectory;
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return trusted
            .Where(p => p.StartsWith(sharedRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
