using System.Text.Json;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Settings;

namespace CloudService.Modules.Plugins.Lifecycle;

internal sealed record PluginSummary(string PluginId, string Name, string Version, PluginStatus Status, string? ActiveVersion, string? Error, string Author);

internal sealed record ProgressView(string Stage, int Percent);

internal sealed record VersionView(string Version, PluginStatus Status, string Sha256, long Size, DateTimeOffset UploadedAt, string UploadedBy, IReadOnlyList<string> Errors, PluginManifest? Manifest, ProgressView? Progress);

internal sealed record PluginDetailView(
    string PluginId, string Name, string Author, string Description, string Version, PluginStatus Status, string? ActiveVersion,
    string? Error, ProgressView Progress, IReadOnlyList<string> Errors, PluginManifest? Manifest, IReadOnlyList<VersionView> Versions,
    IReadOnlyList<string> LoadedOnThisInstance, DateTimeOffset UpdatedAt, JsonElement? SettingsSchema, IReadOnlyList<string> Capabilities);

internal static class PluginViews
{
    public static PluginSummary Summary(PluginDetails p) =>
        new(p.Id, p.Name, p.DisplayVersion, p.Status, p.ActiveVersion, Error(p), p.Author);

    public static string? Error(PluginDetails p) =>
        p.Status == PluginStatus.Failed ? p.LastError ?? string.Join(" ", p.Latest?.Errors ?? []) : p.LastError;

    public static PluginDetailView Detail(PluginDetails p, IReadOnlyDictionary<string, PluginProgress> progress, string? loaded)
    {
        var shown = p.ActiveVersion is { } a ? p.Versions.GetValueOrDefault(a) : p.Latest;
        var versions = p.Versions.Values
            .OrderByDescending(v => v.UploadedAt)
            .Select(v => new VersionView(v.Version, v.Status, v.Sha256, v.Size, v.UploadedAt, v.UploadedBy, v.Errors, v.Manifest,
                progress.TryGetValue(v.Version, out var pr) ? new ProgressView(pr.Stage, pr.Percent) : null))
            .ToList();
        // A validated (or failed) version is at its end whatever the progress document says: that document
        // is written beside the stream and may still hold the last stage for a moment after the verdict.
        var current = shown is not null && shown.Status is not (PluginStatus.Ready or PluginStatus.Failed) && progress.TryGetValue(shown.Version, out var cp)
            ? new ProgressView(cp.Stage, cp.Percent)
            : new ProgressView(shown?.Status.ToApiString() ?? "received", shown?.Status is PluginStatus.Ready or PluginStatus.Failed ? 100 : 0);
        return new PluginDetailView(p.Id, p.Name, p.Author, p.Description, p.DisplayVersion, p.Status, p.ActiveVersion, Error(p), current,
            shown?.Errors ?? [], shown?.Manifest, versions, loaded is null ? [] : [loaded], p.UpdatedAt,
            // The schema the settings form and a save use now: the active version's, else the newest validated one's.
            SettingsCommands.SchemaOf(p) is ({ } schema, not null) && schema != Settings.SettingsSchema.None ? schema.Raw : null,
            shown?.Manifest?.Capabilities ?? []);
    }

    public static bool IsFinal(PluginDetails p) =>
        p.Status is not (PluginStatus.Uploaded or PluginStatus.Validating);
}
