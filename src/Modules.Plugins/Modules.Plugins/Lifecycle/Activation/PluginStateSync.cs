using CloudService.Modules.Plugins.Hosting;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Settings;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>What an instance should run of one plugin: a version (with its manifest), nothing, or nothing and no files either.</summary>
internal sealed record DesiredRun(string? Version, PluginManifest? Manifest, bool Uninstalled)
{
    public static DesiredRun From(PluginDetails? stored) =>
        stored is null or { Uninstalled: true }
            ? new DesiredRun(null, null, Uninstalled: true)
            : new DesiredRun(stored.ActiveVersion, stored.ActiveVersion is { } v ? stored.Versions.GetValueOrDefault(v)?.Manifest : null, false);
}

/// <summary>What converging changed here: the version now loaded (when one was loaded), the error that stopped it, and what was unloaded (to be recorded once the caller's own events are committed).</summary>
internal sealed record Converged(string? Loaded, string? Error, double ElapsedMs, DeactivationResult? Unloaded);

/// <summary>
/// "Make this instance run what PostgreSQL says should be active" — the one routine that loads and
/// unloads plugins. The activate/deactivate/delete commands call it with the state they are about to
/// commit (or just committed); the fan-out consumer, the periodic sync and start-up call it with the
/// stored state. Whatever it changes here is recorded in the plugin's audit log.
/// </summary>
internal sealed class PluginConvergence(
    IDocumentStore store, PluginRuntime runtime, PluginLocks locks, LocalInstall install, LiveSettings settings, PluginsOptions options, TimeProvider clock,
    ILogger<PluginConvergence> logger)
{
    private const string System = "system";

    /// <summary>Start-up ("load all enabled") and the periodic sweep: every stored plugin and everything loaded here.</summary>
    public async Task ConvergeAllAsync(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var plugins = await query.Query<PluginDetails>().ToListAsync(ct);
        var ids = plugins.Select(p => p.Id).Concat(runtime.Loaded.Select(l => l.PluginId)).Distinct(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            await ConvergeAsync(id, ct);
        }

        // Settings changes whose message this instance missed (the broker was away) arrive here.
        await settings.RefreshAsync([.. runtime.Loaded.Select(l => l.PluginId)], ct);
    }

    /// <summary>Converges one plugin to its stored state and records the outcome.</summary>
    public async Task ConvergeAsync(string pluginId, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await ConvergeToStoredHeldAsync(pluginId, ct);
    }

    /// <summary>As <see cref="ConvergeAsync"/>; the caller holds the plugin's lock.</summary>
    public async Task ConvergeToStoredHeldAsync(string pluginId, CancellationToken ct)
    {
        PluginDetails? stored;
        await using (var query = store.QuerySession())
        {
            stored = await query.LoadAsync<PluginDetails>(pluginId, ct);
        }

        var desired = DesiredRun.From(stored);
        var result = await ConvergeHeldAsync(pluginId, desired, ct);
        await RecordUnloadAsync(result.Unloaded, ct);
        if (result.Error is { } error)
        {
            logger.LogError("Plugin {PluginId} {Version} is active but cannot be loaded on this instance: {Error}", pluginId, desired.Version, error);
            await AppendAsync(pluginId, new InstanceSyncFailed(desired.Version!, System, clock.GetUtcNow(), options.InstanceName, error), ct);
        }
        else if (result.Loaded is { } loaded)
        {
            logger.LogInformation("Loaded plugin {PluginId} {Version} to match the stored state", pluginId, loaded);
        }
    }

    /// <summary>The routine itself. The caller holds the plugin's lock and records the result.</summary>
    public async Task<Converged> ConvergeHeldAsync(string pluginId, DesiredRun desired, CancellationToken ct)
    {
        var loaded = runtime.LoadedVersion(pluginId);
        if (desired.Version == loaded)
        {
            if (desired.Uninstalled)
            {
                install.RemoveAll(pluginId);
            }

            return new Converged(null, null, 0, null);
        }

        if (desired.Version is null)
        {
            var unloaded = await runtime.DeactivateAsync(pluginId, ct);
            if (desired.Uninstalled)
            {
                install.RemoveAll(pluginId);
            }

            return new Converged(null, null, 0, unloaded);
        }

        var (directory, error) = desired.Manifest is null
            ? (null, $"Version {desired.Version} has no validated manifest.")
            : await install.EnsureExtractedAsync(pluginId, desired.Version, ct);
        if (directory is null)
        {
            return new Converged(null, error ?? "unknown error", 0, null);
        }

        await settings.RefreshAsync(pluginId, ct);
        var view = settings.For(pluginId, SettingsSchema.FromStored(desired.Manifest!.Settings));
        var result = await runtime.ActivateAsync(pluginId, desired.Version, directory, desired.Manifest.EntryAssembly, view, ct);
        return result.Succeeded
            ? new Converged(desired.Version, null, result.Elapsed.TotalMilliseconds, result.ReplacedVersionUnload)
            : new Converged(null, result.Error ?? "unknown error", result.Elapsed.TotalMilliseconds, null);
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

        await AppendAsync(unloaded.PluginId, new PluginUnloaded(unloaded.Version, System, clock.GetUtcNow(), options.InstanceName,
            unloaded.Collected, unloaded.GcRounds, unloaded.Elapsed.TotalMilliseconds, unloaded.InFlightDrained), ct);
    }

    private Task AppendAsync(string pluginId, IPluginStreamEvent e, CancellationToken ct) =>
        InformationalEvents.AppendAsync(store, pluginId, e, ct);
}
