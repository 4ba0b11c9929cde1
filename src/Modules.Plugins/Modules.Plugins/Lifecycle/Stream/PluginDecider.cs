namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>What an admin (or the host) asks of one plugin; each is decided against its current state.</summary>
internal abstract record PluginCommand(string PluginId, string By, DateTimeOffset At);

/// <summary>Run <paramref name="Version"/> (the newest ready one when null). <paramref name="LoadedHere"/> is what this instance runs now.</summary>
internal sealed record Activate(string PluginId, string? Version, string? LoadedHere, string By, DateTimeOffset At) : PluginCommand(PluginId, By, At);

/// <summary>
/// Record how loading the chosen version went on <paramref name="Instance"/>: activation is decided
/// only once the version is known to load, so the state's runner proves it before anything is stored.
/// </summary>
internal sealed record RecordActivation(string PluginId, string Version, string Instance, string? Error, double ElapsedMs, string By, DateTimeOffset At) : PluginCommand(PluginId, By, At);

internal sealed record Deactivate(string PluginId, string By, DateTimeOffset At) : PluginCommand(PluginId, By, At);

internal sealed record Uninstall(string PluginId, string By, DateTimeOffset At) : PluginCommand(PluginId, By, At);

internal enum Outcome { Ok, NotFound, Conflict, Failed }

/// <summary>
/// The answer to a command: the events to append (none when nothing changes or the command is
/// refused), and for <see cref="Activate"/> the version to load before <see cref="RecordActivation"/>.
/// </summary>
internal sealed record Decision(Outcome Outcome, IReadOnlyList<IPluginStreamEvent> Events, string? Detail = null, PluginVersionState? Target = null)
{
    public static Decision Refuse(Outcome outcome, string detail, PluginVersionState? target = null) => new(outcome, [], detail, target);
}

/// <summary>
/// The plugin aggregate's decisions ("Decider": decide(command, state) → events; the state evolves
/// by <see cref="PluginDetails"/>' Apply methods). Pure: no I/O, no clock, so every rule of "what
/// may happen to a plugin now" is here and testable without a database.
/// </summary>
internal static class PluginDecider
{
    public static Decision Decide(PluginCommand command, PluginDetails? state)
    {
        if (state is null or { Uninstalled: true })
        {
            return Decision.Refuse(Outcome.NotFound, $"There is no plugin '{command.PluginId}'.");
        }

        return command switch
        {
            Activate a => DecideActivate(a, state),
            RecordActivation r => DecideRecordActivation(r, state),
            Deactivate d => state.ActiveVersion is { } active
                ? new Decision(Outcome.Ok, [new DeactivationRecorded(active, d.By, d.At)], Target: state.Versions.GetValueOrDefault(active))
                : Decision.Refuse(Outcome.Conflict, $"Plugin '{state.Id}' is not active."),
            Uninstall u => state.ActiveVersion is not null
                ? Decision.Refuse(Outcome.Conflict, $"Plugin '{state.Id}' is active: deactivate it before deleting it.")
                : new Decision(Outcome.Ok, [new UninstallRecorded(state.Latest?.Version ?? "", u.By, u.At, [.. state.Versions.Keys])]),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown plugin command."),
        };
    }

    private static Decision DecideActivate(Activate command, PluginDetails state)
    {
        var target = command.Version is null ? state.LatestReady ?? state.Latest : state.Versions.GetValueOrDefault(command.Version);
        if (target is null)
        {
            return Decision.Refuse(Outcome.NotFound, $"Plugin '{state.Id}' has no version '{command.Version}'.");
        }

        if (target.Status != PluginStatus.Ready || target.Manifest is null)
        {
            return Decision.Refuse(Outcome.Conflict,
                $"Plugin '{state.Id}' {target.Version} is {target.Status.ToApiString()}, not ready: it cannot be activated.", target);
        }

        return state.ActiveVersion == target.Version && command.LoadedHere == target.Version
            ? new Decision(Outcome.Ok, [], "Already active.", target)
            : new Decision(Outcome.Ok, [], Target: target);
    }

    private static Decision DecideRecordActivation(RecordActivation command, PluginDetails state)
    {
        if (command.Error is { } error)
        {
            // The previous version (if any) still serves; the failure is on record.
            return new Decision(Outcome.Failed, [new PluginActivationFailed(command.Version, command.By, command.At, error, command.Instance)],
                $"Activating {state.Id} {command.Version} failed: {error}");
        }

        return new Decision(Outcome.Ok, [new ActivationRecorded(command.Version, command.By, command.At, state.ActiveVersion, command.Instance, command.ElapsedMs)]);
    }
}
