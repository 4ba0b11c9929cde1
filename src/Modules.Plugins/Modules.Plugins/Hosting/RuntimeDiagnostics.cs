using System.Runtime.Loader;
using CloudService.BuildingBlocks.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Plugins.Hosting;

internal sealed record LoadedPluginView(string PluginId, string Version, DateTimeOffset LoadedAt);

/// <summary>Which plugin versions this instance serves, and how many plugin load contexts are still in memory.</summary>
internal sealed record RuntimeDiagnosticsView(IReadOnlyList<LoadedPluginView> Loaded, int LoadContextsAlive, IReadOnlyList<string> LoadContexts);

/// <summary>
/// What this instance's runtime holds, for leak checks from outside the process (./bench.sh): the
/// contexts alive are counted after full garbage collections, so a retired plugin whose context
/// something still pins shows up here. Admin only, and costly (blocking full GCs): not for polling.
/// </summary>
internal static class RuntimeDiagnostics
{
    private const int GcRounds = 3;

    public static void MapRuntimeDiagnostics(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/admin/diagnostics/plugins", (PluginRuntime runtime, PluginsOptions options) => TypedResults.Ok(Collect(runtime, options.InstanceName)))
            .RequireAuthorization(Roles.AdminPolicy)
            .WithTags("Diagnostics")
            .WithSummary("Plugins loaded on this instance and the plugin load contexts still alive after full garbage collections (loaded or retired but not yet collected).");

    public static RuntimeDiagnosticsView Collect(PluginRuntime runtime, string instanceName)
    {
        var alive = LiveContexts(instanceName);
        for (var round = 0; round < GcRounds && alive.Count > runtime.Loaded.Count; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            alive = LiveContexts(instanceName);
        }

        var loaded = runtime.Loaded.OrderBy(p => p.PluginId, StringComparer.Ordinal).Select(p => new LoadedPluginView(p.PluginId, p.Version, p.LoadedAt)).ToList();
        return new RuntimeDiagnosticsView(loaded, alive.Count, alive);
    }

    /// <summary>
    /// A context is alive while any of its assemblies is: an unloaded one's assemblies stay listed until
    /// it is collected. Only this instance's (its name ends the context's), should a process host several.
    /// </summary>
    private static List<string> LiveContexts(string instanceName) =>
        [.. AppDomain.CurrentDomain.GetAssemblies()
            .Select(AssemblyLoadContext.GetLoadContext)
            .OfType<PluginLoadContext>()
            .Distinct()
            .Select(c => c.Name ?? "")
            .Where(n => n.EndsWith($"({instanceName})", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}
