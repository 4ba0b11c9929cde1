using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// A plugin's status (and a version's: a version is only ever uploaded, validating, ready or failed).
/// Serialised everywhere — API answers, SSE, Marten documents — as the lower-case words of API.md.
/// </summary>
[JsonConverter(typeof(PluginStatusJsonConverter))]
internal enum PluginStatus
{
    /// <summary>Stored, validation not started yet.</summary>
    Uploaded,

    /// <summary>The validation job runs.</summary>
    Validating,

    /// <summary>Valid and extracted; never activated (or re-uploaded since).</summary>
    Ready,

    /// <summary>Validation failed, or the last activation attempt failed.</summary>
    Failed,

    /// <summary>A version runs on every instance.</summary>
    Active,

    /// <summary>Was active once, deactivated since.</summary>
    Inactive,

    /// <summary>Taken out of service by the host (reserved in API.md; nothing sets it yet).</summary>
    Quarantined,
}

internal sealed class PluginStatusJsonConverter() : JsonStringEnumConverter<PluginStatus>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

internal static class PluginStatusText
{
    /// <summary>The API word for a status (the same the JSON converter writes).</summary>
    public static string ToApiString(this PluginStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
