using CloudService.Modules.Plugins.Packages;
using Marten;

namespace CloudService.Modules.Plugins.Lifecycle;

internal sealed record AuditEntry(string Type, DateTimeOffset At, string By, string Version, string Detail, long Sequence);

/// <summary>The audit log is the plugin's event stream, read straight from the store, oldest first.</summary>
internal static class AuditLog
{
    public static async Task<IReadOnlyList<AuditEntry>?> ReadAsync(IQuerySession session, string pluginId, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(pluginId, token: ct);
        return events.Count == 0
            ? null
            : events.Where(e => e.Data is IPluginStreamEvent).Select(e => Describe((IPluginStreamEvent)e.Data, e.Version)).ToList();
    }

    private static AuditEntry Describe(IPluginStreamEvent e, long sequence)
    {
        var (type, detail) = e switch
        {
            PackageUploaded u => ("uploaded", $"Uploaded {u.FileName} ({u.Size:N0} bytes, SHA-256 {u.Sha256[..12]}…)."),
            ValidationStarted v => ("validation-started", $"Validation started on {v.Instance}."),
            PackageValidated v => ("validated", $"Valid: {v.Manifest.Name} by {v.Manifest.Author}, entry {v.Manifest.EntryAssembly}, SDK {v.Manifest.SdkVersion}; extracted in {v.ElapsedMs:0} ms."),
            PackageValidationFailed f => ("validation-failed", string.Join(" ", f.Errors)),
            ActivationRecorded a => ("activated", a.PreviousVersion is null
                ? $"Activated on {a.Instance} in {a.ElapsedMs:0} ms."
                : $"Activated on {a.Instance} in {a.ElapsedMs:0} ms, replacing {a.PreviousVersion}."),
            PluginActivationFailed f => ("activation-failed", $"Activation failed on {f.Instance}: {f.Reason}"),
            DeactivationRecorded => ("deactivated", "Deactivated."),
            PluginUnloaded u => ("unloaded", u.Collected
                ? $"Unloaded on {u.Instance}; load context collected after {u.GcRounds} GC round(s), {u.ElapsedMs:0} ms."
                : $"WARNING: unloaded on {u.Instance} but the load context is still alive after {u.GcRounds} GC rounds (a reference leak)."),
            InstanceSyncFailed f => ("instance-sync-failed", $"{f.Instance} could not load it: {f.Reason}"),
            RenderFailed r => ("render-failed", r.Reason),
            SettingsChanged s => ("settings-changed", s.Changed.Count == 0 ? "Settings saved unchanged." : $"Settings changed: {string.Join(", ", s.Changed)}. Now {s.Values}"),
            UninstallRecorded u => ("uninstalled", $"Deleted with versions {string.Join(", ", u.Versions)}."),
            _ => (e.GetType().Name, ""),
        };
        return new AuditEntry(type, e.At, e.By, e.Version, detail, sequence);
    }

    public static string Stage(Packages.ValidationStage stage) => PackageValidationJob.StageName(stage);
}
