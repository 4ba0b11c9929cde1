using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudService.Plugins.Sdk;
using Marten;
using Microsoft.AspNetCore.DataProtection;

namespace CloudService.Modules.Plugins.Settings;

/// <summary>
/// A plugin's saved settings (one document per plugin, kept across versions and upgrades). Secrets
/// are stored sealed (<see cref="SettingsSchema.Sealed"/>); answers and the audit log mask them.
/// </summary>
internal sealed class PluginSettingsValues
{
    /// <summary>The plugin id.</summary>
    public string Id { get; set; } = "";

    /// <summary>The values as a JSON object.</summary>
    public string Json { get; set; } = "{}";

    /// <summary>The stream version of the <c>SettingsChanged</c> event that saved them: increases with every change.</summary>
    public long Revision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}

/// <summary>
/// What the active plugins on this instance read as their settings: the saved values per plugin,
/// refreshed when a plugin is loaded, when a <c>PluginSettingsChanged</c> message arrives (every
/// instance hears it, see PluginStateChangedConsumer) and by the periodic reconcile, so a change
/// reaches a running plugin everywhere without reactivation.
/// </summary>
internal sealed class LiveSettings(IDocumentStore store, IDataProtectionProvider protection)
{
    private readonly IDataProtector secrets = SecretsProtector(protection);

    /// <summary>The protector of settings secrets at rest (one purpose for all plugins: the values say whose they are).</summary>
    public static IDataProtector SecretsProtector(IDataProtectionProvider protection) => protection.CreateProtector("CloudService.Plugins.Settings.Secrets.v1");

    private readonly ConcurrentDictionary<string, Saved> saved = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="pluginId"/>'s saved values again.</summary>
    public async Task RefreshAsync(string pluginId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        Remember(await query.LoadAsync<PluginSettingsValues>(pluginId, ct), pluginId);
    }

    /// <summary>Reads the saved values of <paramref name="pluginIds"/> again, in one round trip.</summary>
    public async Task RefreshAsync(IReadOnlyCollection<string> pluginIds, CancellationToken ct)
    {
        if (pluginIds.Count == 0)
        {
            return;
        }

        await using var query = store.QuerySession();
        var found = (await query.LoadManyAsync<PluginSettingsValues>(ct, pluginIds)).ToDictionary(v => v.Id, StringComparer.Ordinal);
        foreach (var id in pluginIds)
        {
            Remember(found.GetValueOrDefault(id), id);
        }
    }

    /// <summary>Takes values this instance just saved, without a round trip.</summary>
    public void Remember(PluginSettingsValues? values, string pluginId)
    {
        var next = values is null ? Saved.Empty : new Saved(values.Json, values.Revision);
        saved.AddOrUpdate(pluginId, next, (_, current) => next.Revision >= current.Revision ? next : current);
    }

    /// <summary>The settings a loaded version of <paramref name="pluginId"/> sees, with its own schema's defaults.</summary>
    public IPluginSettings For(string pluginId, SettingsSchema schema) => new PluginSettingsView(this, pluginId, schema);

    private Saved SavedFor(string pluginId) => saved.GetValueOrDefault(pluginId, Saved.Empty);

    private sealed record Saved(string Json, long Revision)
    {
        public static readonly Saved Empty = new("{}", 0);
    }

    /// <summary>One plugin version's view: computed again only when the revision changed.</summary>
    private sealed class PluginSettingsView(LiveSettings live, string pluginId, SettingsSchema schema) : IPluginSettings
    {
        private (long Revision, JsonElement Values)? last;

        public JsonElement Current => Snapshot().Values;

        public long Revision => live.SavedFor(pluginId).Revision;

        private (long Revision, JsonElement Values) Snapshot()
        {
            var saved = live.SavedFor(pluginId);
            var cached = last;
            if (cached is { } hit && hit.Revision == saved.Revision)
            {
                return hit;
            }

            var values = schema.WithDefaults(SettingsSchema.Unsealed(JsonNode.Parse(saved.Json) as JsonObject ?? [], live.secrets));
            // A host-owned copy: the plugin can keep it as long as it likes.
            var snapshot = (saved.Revision, JsonDocument.Parse(values.ToJsonString()).RootElement.Clone());
            last = snapshot;
            return snapshot;
        }
    }
}
