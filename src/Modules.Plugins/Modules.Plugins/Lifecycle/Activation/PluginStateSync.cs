using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Runtime;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Activation;

/// <summary>
/// Brings this instance's loaded plugins in line with the activation state stored in PostgreSQL.
/// Runs on start-up ("load all enabled"), on every lifecycle broadcast, and periodically in case a
/// broadcast was missed. Whatever it changes here is recorded in the plugin's audit log.
/// </summary>
internal sealed class PluginStateSync(IDocumentStore store, PluginRuntime runtime, PluginLocks locks, LocalInstall install, PluginsOptions options, ILogger<PluginStateSync> logger)
{
    private const string System = "system";

    public async Task ReconcileAllAsync(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var plugins = await query.Query<PluginDetails>().ToListAsync(ct);
        var ids = plugins.Select(p => p.Id).Concat(runtime.Loaded.Select(l => l.PluginId)).Distinct(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            await ReconcileAsync(id, ct);
        }
    }

    public async Task ReconcileAsync(string pluginId, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await ReconcileHeldAsync(pluginId, ct);
    }

    /// <summary>The caller holds the plugin's lock.</summary>
    public async Task ReconcileHeldAsync(string pluginId, CancellationToken ct)
    {
        PluginDetails? plugin;
        await using (var query = store.QuerySession())
        {
            plugin = await query.LoadAsync<PluginDetails>(pluginId, ct);
        }

        var desired = plugin is { Uninstalled: false } ? plugin.ActiveVersion : null;
        var loaded = runtime.LoadedVersion(pluginId);
        if (desired == loaded)
        {
            if (plugin is null or { Uninstalled: true } && loaded is null)
            {
                install.RemoveAll(pluginId);
            }

            return;
        }

        if (desired is null)
        {
            var unloaded = await runtime.DeactivateAsync(pluginId, ct);
            await RecordUnloadAsync(unloaded, ct);
            if (plugin is null or { Uninstalled: true })
            {
                install.RemoveAll(pluginId);
            }

            return;
        }

        var manifest = plugin!.Versions.GetValueOrDefault(desired)?.Manifest;
        var (directory, error) = manifest is null
            ? (null, $"Version {desired} has no validated manifest.")
            : await install.EnsureExtractedAsync(pluginId, desired, ct);
        if (directory is not null)
        {
            var result = await runtime.ActivateAsync(pluginId, desired, directory, manifest!.EntryAssembly, ct);
            if (result.Succeeded)
            {
                logger.LogInformation("Loaded plugin {PluginId} {Version} to match the stored state", pluginId, desired);
                await RecordUnloadAsync(result.ReplacedVersionUnload, ct);
                return;
            }

            error = result.Error;
        }

        logger.LogError("Plugin {PluginId} {Version} is active but cannot be loaded on this instance: {Error}", pluginId, desired, error);
        await AppendAsync(pluginId, new InstanceSyncFailed(desired, System, DateTimeOffset.UtcNow, options.InstanceName, error ?? "unknown error"), ct);
    }

    public async Task RecordUnloadAsync(DeactivationResult? unloaded, CancellationToken ct)
    {
        if (unloaded is null || string.IsNullOrEmpty(unloaded.Version))
        {
            return;
        }

        if (!unloaded.Collected)
        {
            logger.LogWarning("Plugin {PluginId} {Version} was unloaded but its load context is still alive after {Rounds} GC rounds: something holds a reference to it",
                unloaded.PluginId, unloaded.Version, unloaded.GcRounds);
        }

        await AppendAsync(unloaded.PluginId, new PluginUnloaded(unloaded.Version, System, DateTimeOffset.UtcNow, options.InstanceName,
            unloaded.Collected, unloaded.GcRounds, unloaded.Elapsed.TotalMilliseconds, unloaded.InFlightDrained), ct);
    }

    private Task AppendAsync(string pluginId, IPluginStreamEvent e, CancellationToken ct) =>
        InformationalEvents.AppendAsync(store, pluginId, e, ct);
}
