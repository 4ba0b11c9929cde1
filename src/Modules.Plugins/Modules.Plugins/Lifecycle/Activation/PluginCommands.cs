using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Runtime;
using CloudService.Modules.Plugins.Upload;
using Marten;

namespace CloudService.Modules.Plugins.Activation;

internal enum Outcome { Ok, NotFound, Conflict, Failed }

internal sealed record CommandResult(Outcome Outcome, string? Detail = null, string? Version = null);

/// <summary>
/// Activate, deactivate and delete. Each reads the plugin's stream with its version and appends
/// with that version expected: of two concurrent commands one wins, the other gets a conflict.
/// </summary>
internal sealed class PluginCommands(
    IDocumentStore store, PluginRuntime runtime, PluginLocks locks, LocalInstall install, PackageStore packages,
    PluginStateSync sync, PluginsOptions options)
{
    public async Task<CommandResult> ActivateAsync(string pluginId, string? version, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var plugin = stream.Aggregate;
        if (plugin is null or { Uninstalled: true })
        {
            return new(Outcome.NotFound, $"There is no plugin '{pluginId}'.");
        }

        var target = version is null ? plugin.LatestReady ?? plugin.Latest : plugin.Versions.GetValueOrDefault(version);
        if (target is null)
        {
            return new(Outcome.NotFound, $"Plugin '{pluginId}' has no version '{version}'.");
        }

        if (target.Status != PluginStatus.Ready || target.Manifest is null)
        {
            return new(Outcome.Conflict, $"Plugin '{pluginId}' {target.Version} is {target.Status}, not ready: it cannot be activated.", target.Version);
        }

        if (plugin.ActiveVersion == target.Version && runtime.LoadedVersion(pluginId) == target.Version)
        {
            return new(Outcome.Ok, "Already active.", target.Version);
        }

        var (directory, error) = await install.EnsureExtractedAsync(pluginId, target.Version, ct);
        ActivationResult? result = null;
        if (directory is not null)
        {
            result = await runtime.ActivateAsync(pluginId, target.Version, directory, target.Manifest.EntryAssembly, ct);
            error = result.Succeeded ? null : result.Error;
        }

        if (error is not null)
        {
            // The previous version (if any) still serves; the failure is on record.
            stream.AppendOne(new PluginActivationFailed(target.Version, by, DateTimeOffset.UtcNow, error, options.InstanceName));
            return await TrySaveAsync(session, ct)
                ? new(Outcome.Failed, $"Activating {pluginId} {target.Version} failed: {error}", target.Version)
                : new(Outcome.Conflict, "Another change to this plugin won; reload and try again.");
        }

        stream.AppendOne(new PluginActivated(target.Version, by, DateTimeOffset.UtcNow, plugin.ActiveVersion, options.InstanceName, result!.Elapsed.TotalMilliseconds));
        if (!await TrySaveAsync(session, ct))
        {
            // Lost the race: undo what this instance loaded by converging to whatever was committed.
            await sync.ReconcileHeldAsync(pluginId, ct);
            return new(Outcome.Conflict, "Another change to this plugin won; reload and try again.");
        }

        await sync.RecordUnloadAsync(result.ReplacedVersionUnload, ct);
        return new(Outcome.Ok, null, target.Version);
    }

    public async Task<CommandResult> DeactivateAsync(string pluginId, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var plugin = stream.Aggregate;
        if (plugin is null or { Uninstalled: true })
        {
            return new(Outcome.NotFound, $"There is no plugin '{pluginId}'.");
        }

        if (plugin.ActiveVersion is not { } active)
        {
            return new(Outcome.Conflict, $"Plugin '{pluginId}' is not active.");
        }

        // Committed first: once the decision is stored every instance converges to it, this one included.
        stream.AppendOne(new PluginDeactivated(active, by, DateTimeOffset.UtcNow));
        if (!await TrySaveAsync(session, ct))
        {
            return new(Outcome.Conflict, "Another change to this plugin won; reload and try again.");
        }

        await sync.RecordUnloadAsync(await runtime.DeactivateAsync(pluginId, ct), ct);
        return new(Outcome.Ok, null, active);
    }

    public async Task<CommandResult> DeleteAsync(string pluginId, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var plugin = stream.Aggregate;
        if (plugin is null or { Uninstalled: true })
        {
            return new(Outcome.NotFound, $"There is no plugin '{pluginId}'.");
        }

        if (plugin.ActiveVersion is not null)
        {
            return new(Outcome.Conflict, $"Plugin '{pluginId}' is active: deactivate it before deleting it.");
        }

        stream.AppendOne(new PluginUninstalled(plugin.Latest?.Version ?? "", by, DateTimeOffset.UtcNow, [.. plugin.Versions.Keys]));
        foreach (var version in plugin.Versions.Keys)
        {
            session.Delete<PluginProgress>(PluginProgress.IdFor(pluginId, version));
        }

        if (!await TrySaveAsync(session, ct))
        {
            return new(Outcome.Conflict, "Another change to this plugin won; reload and try again.");
        }

        install.RemoveAll(pluginId);
        await packages.DeleteAsync(pluginId, ct);
        return new(Outcome.Ok);
    }

    private static async Task<bool> TrySaveAsync(IDocumentSession session, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception e) when (Concurrency.IsConflict(e))
        {
            return false;
        }
    }
}
