using CloudService.Modules.Plugins.Hosting;
using CloudService.Modules.Plugins.Packages;
using Marten;
using Polly;
using Polly.Retry;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <param name="LostToInformational">The command lost its race only to informational events (an unload recorded by another instance): deciding again is safe.</param>
internal sealed record CommandResult(Outcome Outcome, string? Detail = null, string? Version = null, bool LostToInformational = false);

/// <summary>
/// Activate, deactivate and delete: read the plugin's stream with its version, let
/// <see cref="PluginDecider"/> decide, make this instance run the outcome through
/// <see cref="PluginConvergence"/>, and append with that version expected — of two concurrent
/// commands one wins, the other gets a conflict.
/// </summary>
internal sealed class PluginCommands(
    IDocumentStore store, PluginRuntime runtime, PluginLocks locks, PackageStore packages, PluginConvergence convergence,
    PluginsOptions options, TimeProvider clock)
{
    private const string LostRace = "Another change to this plugin won; reload and try again.";

    // Informational events (PluginUnloaded from another instance, RenderFailed) move the stream's
    // version without deciding anything; a command that lost only to them decides again. Every
    // instance reports its unload right after a deactivation, so on a busy cluster several can land
    // one after another: a few short, growing pauses let them settle.
    private static readonly ResiliencePipeline<CommandResult> DecideAgain = new ResiliencePipelineBuilder<CommandResult>()
        .AddRetry(new RetryStrategyOptions<CommandResult>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { LostToInformational: true }),
            MaxRetryAttempts = 8,
            Delay = TimeSpan.FromMilliseconds(10),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public async Task<CommandResult> ActivateAsync(string pluginId, string? version, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var plugin = stream.Aggregate;
        var decision = PluginDecider.Decide(new Activate(pluginId, version, runtime.LoadedVersion(pluginId), by, clock.GetUtcNow()), plugin);
        if (decision.Outcome != Outcome.Ok || decision.Target is not { } target || decision.Detail is not null)
        {
            return new(decision.Outcome, decision.Detail, decision.Target?.Version);
        }

        // Activation is answered once THIS instance serves it: load first, then record the decision.
        var converged = await convergence.ConvergeHeldAsync(pluginId, new DesiredRun(target.Version, target.Manifest, false), ct);
        var record = PluginDecider.Decide(
            new RecordActivation(pluginId, target.Version, options.InstanceName, converged.Error, converged.ElapsedMs, by, clock.GetUtcNow()), plugin);
        stream.AppendMany(record.Events);
        if (!await TrySaveAsync(session, ct))
        {
            // Lost the race: undo what this instance loaded by converging to whatever was committed.
            await convergence.ConvergeToStoredHeldAsync(pluginId, ct);
            return new(Outcome.Conflict, LostRace);
        }

        await convergence.RecordUnloadAsync(converged.Unloaded, ct);
        return new(record.Outcome, record.Detail, target.Version);
    }

    public async Task<CommandResult> DeactivateAsync(string pluginId, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        return await DecideAgain.ExecuteAsync(token => TryDeactivateAsync(pluginId, by, token), ct);
    }

    private async ValueTask<CommandResult> TryDeactivateAsync(string pluginId, string by, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var decision = PluginDecider.Decide(new Deactivate(pluginId, by, clock.GetUtcNow()), stream.Aggregate);
        if (decision.Outcome != Outcome.Ok)
        {
            return new(decision.Outcome, decision.Detail);
        }

        // Committed first: once the decision is stored every instance converges to it, this one included.
        stream.AppendMany(decision.Events);
        if (!await TrySaveAsync(session, ct))
        {
            return await LostRaceAsync(pluginId, stream.Aggregate!.StreamVersion, ct);
        }

        var converged = await convergence.ConvergeHeldAsync(pluginId, new DesiredRun(null, null, false), ct);
        await convergence.RecordUnloadAsync(converged.Unloaded, ct);
        return new(Outcome.Ok, null, decision.Target?.Version);
    }

    public async Task<CommandResult> DeleteAsync(string pluginId, string by, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(pluginId, ct);
        return await DecideAgain.ExecuteAsync(token => TryDeleteAsync(pluginId, by, token), ct);
    }

    private async ValueTask<CommandResult> TryDeleteAsync(string pluginId, string by, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
        var plugin = stream.Aggregate;
        var decision = PluginDecider.Decide(new Uninstall(pluginId, by, clock.GetUtcNow()), plugin);
        if (decision.Outcome != Outcome.Ok)
        {
            return new(decision.Outcome, decision.Detail);
        }

        stream.AppendMany(decision.Events);
        foreach (var version in plugin!.Versions.Keys)
        {
            session.Delete<PluginProgress>(PluginProgress.IdFor(pluginId, version));
        }

        if (!await TrySaveAsync(session, ct))
        {
            return await LostRaceAsync(pluginId, plugin.StreamVersion, ct);
        }

        var converged = await convergence.ConvergeHeldAsync(pluginId, DesiredRun.From(null), ct);
        await convergence.RecordUnloadAsync(converged.Unloaded, ct);
        await packages.DeleteAsync(pluginId, ct);
        return new(Outcome.Ok);
    }

    private async Task<CommandResult> LostRaceAsync(string pluginId, long readVersion, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var newer = (await query.Events.FetchStreamAsync(pluginId, token: ct)).Where(e => e.Version > readVersion).ToList();
        var informationalOnly = newer.Count > 0 && newer.All(e => e.Data is PluginUnloaded or InstanceSyncFailed or RenderFailed);
        return new(Outcome.Conflict, LostRace, LostToInformational: informationalOnly);
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
