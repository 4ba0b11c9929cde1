namespace CloudService.Modules.Plugins.Contracts;

/// <summary>
/// What every plugin lifecycle message carries. Messages are relayed from committed events of the
/// plugin's event stream: at least once, in stream order per plugin. Drop duplicates by <see cref="EventId"/>.
/// </summary>
public interface IPluginLifecycleEvent
{
    /// <summary>The id of the stream event this message was relayed from; unique per lifecycle event.</summary>
    Guid EventId { get; }

    /// <summary>The plugin's id (its manifest's lower-case slug).</summary>
    string PluginId { get; }

    /// <summary>The plugin version the event concerns.</summary>
    string Version { get; }

    /// <summary>When the event was committed.</summary>
    DateTimeOffset OccurredAt { get; }

    /// <summary>The user name of whoever caused it, or <c>system</c>.</summary>
    string By { get; }

    /// <summary>The event's position in the plugin's stream (1 = first); increases by one per event.</summary>
    long StreamVersion { get; }
}

/// <summary>An admin uploaded a plugin package; validation follows in the background.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the package.</param>
/// <param name="Size">Package size in bytes.</param>
public sealed record PluginUploaded(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, string Sha256, long Size) : IPluginLifecycleEvent;

/// <summary>A package passed validation and was extracted; it is ready to activate.</summary>
/// <param name="Name">The manifest's display name.</param>
/// <param name="Author">The manifest's author.</param>
/// <param name="MimeTypes">The MIME types the manifest says the plugin previews.</param>
public sealed record PluginValidated(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, string Name, string Author, IReadOnlyList<string> MimeTypes) : IPluginLifecycleEvent;

/// <summary>A package failed validation; nothing of it was installed.</summary>
/// <param name="Errors">Every problem found, each a sentence.</param>
public sealed record PluginValidationFailed(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, IReadOnlyList<string> Errors) : IPluginLifecycleEvent;

/// <summary>A plugin version was activated and is serving.</summary>
/// <param name="PreviousVersion">The version it replaced, if one was active.</param>
public sealed record PluginActivated(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, string? PreviousVersion) : IPluginLifecycleEvent;

/// <summary>A plugin was deactivated; it no longer serves.</summary>
public sealed record PluginDeactivated(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion) : IPluginLifecycleEvent;

/// <summary>A plugin (all its versions) was deleted.</summary>
public sealed record PluginUninstalled(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion) : IPluginLifecycleEvent;

/// <summary>An admin saved the plugin's settings. Every instance's running plugin sees the new values.</summary>
/// <param name="Changed">The top-level settings whose values changed (never the values: they may be secrets).</param>
public sealed record PluginSettingsChanged(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, IReadOnlyList<string> Changed) : IPluginLifecycleEvent;

/// <summary>A plugin failed at run time (activation error, repeated render failures).</summary>
/// <param name="Reason">What went wrong.</param>
public sealed record PluginFailed(Guid EventId, string PluginId, string Version, DateTimeOffset OccurredAt, string By, long StreamVersion, string Reason) : IPluginLifecycleEvent;
