using System.Text.Json;

namespace CloudService.Plugins.Sdk;

/// <summary>
/// The plugin's settings, as an admin set them, checked against the JSON Schema under
/// <c>settings</c> in the plugin's <c>plugin.json</c>, with the schema's top-level <c>default</c>s
/// filled in for what was never set. New values arrive while the plugin runs, on every instance,
/// within seconds and without reactivation: read <see cref="Current"/> when you need a value rather
/// than copying it once in <see cref="IPlugin.Register"/>. Secrets (<c>writeOnly</c> in the schema)
/// are here in clear; the host never shows them to anyone else.
/// </summary>
public interface IPluginSettings
{
    /// <summary>The current values: always a JSON object (empty when the plugin has no settings).</summary>
    JsonElement Current { get; }

    /// <summary>Increases with every change an admin saves; 0 before the first.</summary>
    long Revision { get; }
}

/// <summary>The settings of a plugin that has none: an empty object, never changing.</summary>
internal sealed class NoSettings : IPluginSettings
{
    public static readonly NoSettings Instance = new();

    public JsonElement Current { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    public long Revision => 0;
}
