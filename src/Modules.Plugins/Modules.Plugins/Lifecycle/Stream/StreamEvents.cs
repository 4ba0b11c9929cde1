using CloudService.Modules.Plugins.Packages;

namespace CloudService.Modules.Plugins.Lifecycle;

// The events of a plugin's stream (stream key = plugin id). They are the Plugins module's private
// business and its audit log; the public integration events of Modules.Plugins.Contracts are
// translated from them by the relay, so their names differ from the contract names on purpose. Each
// records who and when; changes are additive. Marten stores an event's type name: a renamed class
// keeps its stored name through StreamEventNames (a stream written before the rename still loads).

internal interface IPluginStreamEvent
{
    string Version { get; }
    string By { get; }
    DateTimeOffset At { get; }
}

internal sealed record PackageUploaded(string Version, string By, DateTimeOffset At, string Sha256, long Size, string FileName, string Name) : IPluginStreamEvent;

internal sealed record ValidationStarted(string Version, string By, DateTimeOffset At, string Instance) : IPluginStreamEvent;

internal sealed record PackageValidated(string Version, string By, DateTimeOffset At, PluginManifest Manifest, double ElapsedMs) : IPluginStreamEvent;

/// <summary>Validation failed for every one of <see cref="Errors"/>; <see cref="Manifest"/> is the manifest as far as it could be read (added later: null in older events).</summary>
internal sealed record PackageValidationFailed(string Version, string By, DateTimeOffset At, IReadOnlyList<string> Errors, PluginManifest? Manifest = null) : IPluginStreamEvent;

/// <summary>The decision to run <see cref="Version"/> everywhere, taken after it loaded on <see cref="Instance"/> (stored as <c>plugin_activated</c>).</summary>
internal sealed record ActivationRecorded(string Version, string By, DateTimeOffset At, string? PreviousVersion, string Instance, double ElapsedMs) : IPluginStreamEvent;

internal sealed record PluginActivationFailed(string Version, string By, DateTimeOffset At, string Reason, string Instance) : IPluginStreamEvent;

/// <summary>The decision to run no version any more (stored as <c>plugin_deactivated</c>).</summary>
internal sealed record DeactivationRecorded(string Version, string By, DateTimeOffset At) : IPluginStreamEvent;

/// <summary>An instance unloaded a plugin version and checked that its load context was collected.</summary>
internal sealed record PluginUnloaded(string Version, string By, DateTimeOffset At, string Instance, bool Collected, int GcRounds, double ElapsedMs, bool InFlightDrained) : IPluginStreamEvent;

/// <summary>An instance could not bring itself in line with the stored state (for example a load error there).</summary>
internal sealed record InstanceSyncFailed(string Version, string By, DateTimeOffset At, string Instance, string Reason) : IPluginStreamEvent;

/// <summary>A provider of the plugin failed to render; recorded so repeated failures are visible.</summary>
internal sealed record RenderFailed(string Version, string By, DateTimeOffset At, string Reason) : IPluginStreamEvent;

/// <summary>
/// An admin saved the plugin's settings (stored as <c>settings_changed</c>). <see cref="Version"/> is the
/// version whose schema checked them; <see cref="Values"/> is the JSON object saved, with every secret
/// masked: a secret never enters the audit log.
/// </summary>
internal sealed record SettingsChanged(string Version, string By, DateTimeOffset At, IReadOnlyList<string> Changed, string Values) : IPluginStreamEvent;

/// <summary>The plugin was deleted with all its versions; the stream stays as its audit log (stored as <c>plugin_uninstalled</c>).</summary>
internal sealed record UninstallRecorded(string Version, string By, DateTimeOffset At, IReadOnlyList<string> Versions) : IPluginStreamEvent;
