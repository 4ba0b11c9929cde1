using System.Text.Json;
using System.Text.Json.Nodes;
using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Plugins.Lifecycle;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Plugins.Settings;

/// <summary>
/// Reading and saving a plugin's settings (API.md, "Settings"). The schema that checks them is the
/// active version's, else the newest validated one's. A save appends <see cref="SettingsChanged"/>
/// to the plugin's stream and stores the values in one transaction, with the stream's version
/// expected: a save that raced a lifecycle change (say, an upgrade to a version with another schema)
/// is checked again against what won. Nothing is stored when the values are refused.
/// </summary>
internal sealed class SettingsCommands(IDocumentStore store, LiveSettings live, IDataProtectionProvider protection, TimeProvider clock)
{
    private readonly IDataProtector secrets = LiveSettings.SecretsProtector(protection);

    /// <summary>The most a settings document may hold; settings are configuration, not data.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int Attempts = 5;

    public async Task<IResult> GetAsync(string pluginId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var plugin = await query.LoadAsync<PluginDetails>(pluginId, ct);
        if (plugin is null or { Uninstalled: true })
        {
            return NoSuchPlugin(pluginId);
        }

        var (schema, _) = SchemaOf(plugin);
        var saved = SettingsSchema.Unsealed(ValuesOf(await query.LoadAsync<PluginSettingsValues>(pluginId, ct)), secrets);
        return TypedResults.Json(schema.Masked(schema.WithDefaults(saved)));
    }

    public async Task<IResult> PutAsync(string pluginId, JsonNode? body, string by, CancellationToken ct)
    {
        if (body is not JsonObject incoming)
        {
            return Refused(new() { [""] = ["Settings must be a JSON object."] });
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<PluginDetails>(pluginId, ct);
            if (stream.Aggregate is not { Uninstalled: false } plugin)
            {
                return NoSuchPlugin(pluginId);
            }

            var (schema, version) = SchemaOf(plugin);
            if (version is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No validated version",
                    detail: $"Plugin '{pluginId}' has no validated version yet, so there is no settings schema to check values against.");
            }

            var stored = SettingsSchema.Unsealed(ValuesOf(await session.LoadAsync<PluginSettingsValues>(pluginId, ct)), secrets);
            var values = (JsonObject)incoming.DeepClone();
            schema.KeepStoredSecrets(values, stored);
            var errors = schema.Validate(values);
            if (errors.Count > 0)
            {
                return Refused(errors);
            }

            var json = schema.Sealed(values, secrets).ToJsonString();
            if (json.Length > MaxBytes)
            {
                return Refused(new() { [""] = [$"Settings may take at most {MaxBytes / 1024} KB."] });
            }

            var now = clock.GetUtcNow();
            stream.AppendOne(new SettingsChanged(version, by, now, SettingsSchema.Changed(stored, values), schema.Masked(values).ToJsonString()));
            var saved = new PluginSettingsValues { Id = pluginId, Json = json, Revision = plugin.StreamVersion + 1, UpdatedAt = now, UpdatedBy = by };
            session.Store(saved);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (Concurrency.IsConflict(e) && attempt < Attempts)
            {
                continue;
            }
            catch (Exception e) when (Concurrency.IsConflict(e))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "The plugin kept changing while its settings were saved; try again.");
            }

            // This instance's plugin sees them at once; the others when the relayed event arrives.
            live.Remember(saved, pluginId);
            return TypedResults.Json(schema.Masked(schema.WithDefaults(values)));
        }
    }

    /// <summary>The schema that applies now and the version it belongs to (null when no version is validated).</summary>
    public static (SettingsSchema Schema, string? Version) SchemaOf(PluginDetails plugin)
    {
        var version = plugin.ActiveVersion is { } active && plugin.Versions.TryGetValue(active, out var running) ? running : plugin.LatestReady;
        return version?.Manifest is { } manifest ? (SettingsSchema.FromStored(manifest.Settings), version.Version) : (SettingsSchema.None, null);
    }

    private static JsonObject ValuesOf(PluginSettingsValues? saved) =>
        saved is null ? [] : JsonNode.Parse(saved.Json) as JsonObject ?? [];

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NoSuchPlugin(string pluginId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such plugin", detail: $"There is no plugin '{pluginId}'.");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refused(Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The settings were refused",
            Detail = "Nothing was saved. Each error names the value by its JSON Pointer.",
        });
}

internal static class SettingsEndpoints
{
    public static void MapPluginSettings(this RouteGroupBuilder admin)
    {
        admin.MapGet("/{pluginId}/settings", (string pluginId, SettingsCommands settings, CancellationToken ct) => settings.GetAsync(pluginId, ct))
            .WithSummary("The plugin's settings: saved values with the schema's defaults; secrets read \"********\" when set.");

        admin.MapPut("/{pluginId}/settings", async (string pluginId, HttpContext http, SettingsCommands settings, CancellationToken ct) =>
        {
            if (await BoundedBody.ReadAsync(http.Request, SettingsCommands.MaxBytes, ct) is not { } bytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too large", detail: $"Settings may take at most {SettingsCommands.MaxBytes / 1024} KB.");
            }

            JsonNode? body;
            try
            {
                body = JsonNode.Parse(bytes);
            }
            catch (JsonException)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not JSON", detail: "The body must be a JSON object of settings.");
            }

            return await settings.PutAsync(pluginId, body, http.User.UserName(), ct);
        })
            .Accepts<JsonObject>("application/json")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Save the plugin's settings: checked against its JSON Schema (422 with errors by JSON Pointer, nothing stored); \"********\" for a secret keeps the stored one.");
    }
}
