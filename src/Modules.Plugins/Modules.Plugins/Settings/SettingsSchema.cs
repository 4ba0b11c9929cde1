using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.DataProtection;

namespace CloudService.Modules.Plugins.Settings;

/// <summary>
/// A plugin's settings schema (API.md, "Settings"): the JSON Schema (draft 2020-12) under
/// <c>settings</c> in <c>plugin.json</c>. Validation is JsonSchema.Net's; what is ours is the walk
/// over <c>properties</c> and <c>items</c> that finds <c>writeOnly</c> values (secrets), to mask
/// them in answers and the audit log and to keep a stored secret when a form sends the mask back.
/// </summary>
internal sealed class SettingsSchema
{
    /// <summary>What a set secret reads as; sent back unchanged, it keeps the stored value.</summary>
    public const string Mask = "********";

    private const string SealedPrefix = "sealed:v1:";

    /// <summary>The schema of a plugin that declares no settings: an empty object and nothing else.</summary>
    public static readonly SettingsSchema None = new(JsonDocument.Parse("""{"type":"object","additionalProperties":false}""").RootElement.Clone());

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    private readonly JsonSchema schema;

    private SettingsSchema(JsonElement raw)
    {
        Raw = raw;
        schema = JsonSchema.Build(raw);
    }

    /// <summary>The schema as the manifest wrote it (the admin UI builds its form from it).</summary>
    public JsonElement Raw { get; }

    /// <summary>Reads a manifest's schema; null with the reasons when it is not one the host can use.</summary>
    public static SettingsSchema? TryRead(JsonElement raw, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        problems = found;
        if (raw.ValueKind != JsonValueKind.Object)
        {
            found.Add("'settings' must be a JSON Schema object.");
            return null;
        }

        if (!raw.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            found.Add("'settings' must be a schema of \"type\": \"object\" (the settings are one JSON object).");
        }

        try
        {
            var meta = MetaSchemas.Draft202012.Evaluate(raw, Evaluation);
            found.AddRange(Messages(meta).Select(e => $"'settings' is not a valid JSON Schema (draft 2020-12) at {Where(e.Key)}: {e.Value[0]}"));
            if (found.Count > 0)
            {
                return null;
            }

            var read = new SettingsSchema(raw.Clone());
            // Defaults must satisfy the schema themselves, or a plugin would start with values no admin could save.
            var defaults = read.Validate(read.WithDefaults(new JsonObject()), requireComplete: false);
            found.AddRange(defaults.Select(e => $"'settings' has a default at {Where(e.Key)} that its own schema refuses: {e.Value[0]}"));
            return found.Count == 0 ? read : null;
        }
        catch (Exception e) when (e is JsonSchemaException or RefResolutionException or InvalidOperationException or ArgumentException)
        {
            found.Add($"'settings' is not a usable JSON Schema: {e.Message}");
            return null;
        }
    }

    /// <summary>Reads a schema the validation job accepted before (stored as text in the manifest).</summary>
    public static SettingsSchema FromStored(string? text) =>
        text is null ? None : new SettingsSchema(JsonDocument.Parse(text).RootElement.Clone());

    /// <summary>The problems of <paramref name="values"/>, keyed by JSON Pointer ("" for the object itself); empty when valid.</summary>
    /// <param name="requireComplete">False to ignore missing required properties (checking defaults alone).</param>
    public Dictionary<string, string[]> Validate(JsonNode? values, bool requireComplete = true)
    {
        if (values is not JsonObject)
        {
            return new() { [""] = ["Settings must be a JSON object."] };
        }

        using var document = JsonDocument.Parse(values.ToJsonString());
        var results = schema.Evaluate(document.RootElement, Evaluation);
        var messages = Messages(results);
        if (!requireComplete)
        {
            foreach (var key in messages.Where(m => m.Value.All(v => v.StartsWith("Required properties", StringComparison.Ordinal))).Select(m => m.Key).ToList())
            {
                messages.Remove(key);
            }
        }

        return messages;
    }

    /// <summary>The values with the schema's top-level defaults filled in where nothing was set.</summary>
    public JsonObject WithDefaults(JsonObject values)
    {
        if (Raw.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (!values.ContainsKey(property.Name) && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("default", out var value))
                {
                    values[property.Name] = JsonNode.Parse(value.GetRawText());
                }
            }
        }

        return values;
    }

    /// <summary>A copy of <paramref name="values"/> with every set secret replaced by <see cref="Mask"/>.</summary>
    public JsonObject Masked(JsonObject values)
    {
        var copy = (JsonObject)values.DeepClone();
        Walk(Raw, copy, null, (_, _) => JsonValue.Create(Mask));
        return copy;
    }

    /// <summary>
    /// <paramref name="incoming"/> with each secret that reads <see cref="Mask"/> replaced by the stored
    /// value at the same place (arrays by index); without one, the mask is removed, so the schema's
    /// <c>required</c> says that a secret is missing instead of storing the mask as the secret.
    /// </summary>
    public void KeepStoredSecrets(JsonObject incoming, JsonObject? stored) =>
        Walk(Raw, incoming, stored, (value, previous) =>
            value is JsonValue v && v.TryGetValue<string>(out var text) && text == Mask ? previous?.DeepClone() : value);

    /// <summary>
    /// A copy of <paramref name="values"/> for storing: every secret encrypted with the installation's
    /// data-protection keys (whose key ring is itself encrypted with a certificate outside the database),
    /// so whoever reads the database does not read a plugin's passwords.
    /// </summary>
    public JsonObject Sealed(JsonObject values, IDataProtector protector)
    {
        var copy = (JsonObject)values.DeepClone();
        Walk(Raw, copy, null, (value, _) => JsonValue.Create(SealedPrefix + protector.Protect(value!.ToJsonString())));
        return copy;
    }

    /// <summary>
    /// The stored values with every sealed secret decrypted (see <see cref="Sealed"/>), wherever it is:
    /// a newer version's schema may have moved it. A secret that cannot be decrypted (the keys were
    /// replaced) is left out, as if it had never been set: the admin enters it again.
    /// </summary>
    public static JsonObject Unsealed(JsonObject stored, IDataProtector protector) =>
        (JsonObject)Unseal(stored.DeepClone(), protector)!;

    private static JsonNode? Unseal(JsonNode? node, IDataProtector protector)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    var open = Unseal(child, protector);
                    if (open is null && child is not null)
                    {
                        obj.Remove(name);
                    }
                    else if (!ReferenceEquals(open, child))
                    {
                        obj[name] = open;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var open = Unseal(array[i], protector);
                    if (!ReferenceEquals(open, array[i]))
                    {
                        array[i] = open;
                    }
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.StartsWith(SealedPrefix, StringComparison.Ordinal):
                try
                {
                    return JsonNode.Parse(protector.Unprotect(text[SealedPrefix.Length..]));
                }
                catch (CryptographicException)
                {
                    return null;
                }

            default:
                return node;
        }
    }

    /// <summary>The top-level properties whose values differ between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static IReadOnlyList<string> Changed(JsonObject before, JsonObject after) =>
        [.. before.Select(p => p.Key).Union(after.Select(p => p.Key)).Order(StringComparer.Ordinal)
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))];

    /// <summary>Calls <paramref name="secret"/> for each writeOnly value in <paramref name="value"/> and puts its answer in place (null removes it).</summary>
    private static void Walk(JsonElement schema, JsonNode? value, JsonNode? stored, Func<JsonNode?, JsonNode?, JsonNode?> secret)
    {
        if (value is JsonObject obj && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (!obj.TryGetPropertyValue(property.Name, out var child) || child is null || property.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var previous = (stored as JsonObject)?[property.Name];
                if (IsWriteOnly(property.Value))
                {
                    Replace(obj, property.Name, secret(child, previous));
                }
                else
                {
                    Walk(property.Value, child, previous, secret);
                }
            }
        }
        else if (value is JsonArray array && schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            for (var i = 0; i < array.Count; i++)
            {
                var previous = stored is JsonArray before && i < before.Count ? before[i] : null;
                if (IsWriteOnly(items))
                {
                    array[i] = secret(array[i], previous);
                }
                else
                {
                    Walk(items, array[i], previous, secret);
                }
            }
        }
    }

    private static void Replace(JsonObject obj, string name, JsonNode? value)
    {
        if (value is null)
        {
            obj.Remove(name);
        }
        else if (!ReferenceEquals(obj[name], value))
        {
            obj[name] = value;
        }
    }

    private static bool IsWriteOnly(JsonElement schema) =>
        schema.TryGetProperty("writeOnly", out var writeOnly) && writeOnly.ValueKind == JsonValueKind.True;

    /// <summary>
    /// The failing units' messages by instance location (JSON Pointer). Walked from the root down through
    /// failing units only: a branch of an <c>anyOf</c> that failed while another passed is no problem.
    /// </summary>
    private static Dictionary<string, string[]> Messages(EvaluationResults results)
    {
        var messages = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        Collect(results, messages);
        return messages.ToDictionary(m => m.Key, m => m.Value.ToArray(), StringComparer.Ordinal);
    }

    private static void Collect(EvaluationResults unit, Dictionary<string, List<string>> messages)
    {
        if (unit.IsValid)
        {
            return;
        }

        if (unit.Errors is { Count: > 0 } errors)
        {
            var at = unit.InstanceLocation.ToString();
            if (!messages.TryGetValue(at, out var list))
            {
                messages[at] = list = [];
            }

            list.AddRange(errors.Values.Where(m => !list.Contains(m)));
        }

        foreach (var child in unit.Details ?? [])
        {
            Collect(child, messages);
        }
    }

    private static string Where(string pointer) => pointer.Length == 0 ? "its root" : pointer;
}
