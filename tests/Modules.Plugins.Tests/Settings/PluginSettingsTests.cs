using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudService.Modules.Plugins.Settings;
using CloudService.Plugins.Sdk;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;

namespace CloudService.Tests.Plugins.Settings;

/// <summary>
/// Per-plugin settings (API.md, "Settings"; issue 15): declared as JSON Schema in plugin.json, read and
/// saved by admins, checked by the schema (422 by JSON Pointer, nothing stored), secrets write-only and
/// never in the audit log, and new values seen by the running plugin without reactivation.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PluginSettingsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    internal static readonly object Schema = TestPlugins.ExampleSettingsSchema;

    [Fact]
    public async Task Saved_values_are_checked_by_the_schema_masked_in_answers_and_the_log_and_seen_by_the_running_plugin()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var (id, ext) = await ActivateEchoAsync(admin, fixture.App);
        var file = new PreviewFile("a" + ext, "text/plain", 1);

        // Nothing saved yet: the schema's defaults, for the admin and for the plugin.
        Assert.Equal("""{"greeting":"hello","retries":3}""", (await GetAsync(admin, id)).ToJsonString());
        var (revision, seen) = await SeenAsync(fixture.App, file);
        Assert.Equal(0, revision);
        Assert.Equal("""{"greeting":"hello","retries":3}""", seen.ToJsonString());

        var saved = await PutAsync(admin, id, """{"greeting":"hi","apiKey":"s3cret-key","targets":[{"url":"https://example.com/hook","secret":"t0p-s3cret"}]}""");
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("""{"greeting":"hi","apiKey":"********","targets":[{"url":"https://example.com/hook","secret":"********"}],"retries":3}""",
            (await saved.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString());

        // The plugin sees the new values (secrets in clear) at once, without reactivation.
        (revision, seen) = await SeenAsync(fixture.App, file);
        Assert.True(revision > 0);
        Assert.Equal("s3cret-key", seen["apiKey"]!.GetValue<string>());
        Assert.Equal("t0p-s3cret", seen["targets"]![0]!["secret"]!.GetValue<string>());

        // In the database the secrets are sealed with the installation's data-protection keys.
        await using (var query = fixture.App.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var row = (await query.LoadAsync<PluginSettingsValues>(id))!;
            Assert.DoesNotContain("s3cret-key", row.Json, StringComparison.Ordinal);
            Assert.DoesNotContain("t0p-s3cret", row.Json, StringComparison.Ordinal);
            Assert.Contains("\"greeting\":\"hi\"", row.Json, StringComparison.Ordinal);
        }

        // The mask sent back keeps each stored secret; other values change.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, id, """{"greeting":"hey","apiKey":"********","targets":[{"url":"https://example.com/hook","secret":"********"}]}""")).StatusCode);
        var (later, now) = await SeenAsync(fixture.App, file);
        Assert.True(later > revision);
        Assert.Equal("hey", now["greeting"]!.GetValue<string>());
        Assert.Equal("s3cret-key", now["apiKey"]!.GetValue<string>());
        Assert.Equal("t0p-s3cret", now["targets"]![0]!["secret"]!.GetValue<string>());

        // Refused values: 422 with every problem by JSON Pointer, and nothing stored.
        var refused = await PutAsync(admin, id, $$"""{"greeting":"{{new string('x', 30)}}","retries":11,"mode":"slow","targets":[{"url":"not a uri","secret":"a"}],"extra":1}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var pointer in new[] { "/greeting", "/retries", "/mode", "/targets/0/url" })
        {
            Assert.True(errors.TryGetProperty(pointer, out var messages) && messages.GetArrayLength() > 0, $"No error for {pointer}: {errors}");
        }

        Assert.Equal("hey", (await GetAsync(admin, id))["greeting"]!.GetValue<string>());
        Assert.Equal(later, (await SeenAsync(fixture.App, file)).Revision);

        // A mask where nothing is stored is not a secret: the schema says it is missing.
        var missing = await PutAsync(admin, id, """{"targets":[{"url":"https://example.com/hook","secret":"********"},{"url":"https://example.org/","secret":"********"}]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.True((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("/targets/1", out _));

        // Not an object, not JSON.
        var array = await PutAsync(admin, id, "[1]");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, array.StatusCode);
        Assert.True((await array.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(admin, id, "{\"greeting\":")).StatusCode);

        // Too large, also when the client does not say how large (a chunked body is counted as it arrives).
        var huge = Encoding.UTF8.GetBytes($$"""{"greeting":"{{new string('x', 70_000)}}"}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PutAsync($"/api/admin/plugins/{id}/settings", new ByteArrayContent(huge))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PutAsync($"/api/admin/plugins/{id}/settings", new UnsizedContent(huge))).StatusCode);

        // The audit log has one entry per save, with the values masked.
        var log = await PluginApi.LogAsync(admin, id);
        var changes = log.Where(e => e.GetProperty("type").GetString() == "settings-changed").ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains("greeting", changes[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        var everything = JsonSerializer.Serialize(log);
        Assert.DoesNotContain("s3cret-key", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("t0p-s3cret", everything, StringComparison.Ordinal);

        // Admins only.
        using var user = await fixture.App.NewUserClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync($"/api/admin/plugins/{id}/settings")).StatusCode);
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/admin/plugins/{id}/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/admin/plugins/no-such-plugin/settings")).StatusCode);
    }

    [Fact]
    public async Task Settings_are_kept_across_deactivation_and_reach_the_plugin_again_on_activation()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var (id, ext) = await ActivateEchoAsync(admin, fixture.App);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, id, """{"greeting":"kept"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, id, """{"greeting":"while off"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);

        var (_, seen) = await SeenAsync(fixture.App, new PreviewFile("b" + ext, "text/plain", 1));
        Assert.Equal("while off", seen["greeting"]!.GetValue<string>());
        Assert.Equal("while off", (await GetAsync(admin, id))["greeting"]!.GetValue<string>());
        var detail = await PluginApi.DetailAsync(admin, id);
        Assert.Equal("object", detail.GetProperty("settingsSchema").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"type":"string"}""", "must be a schema of \"type\": \"object\"")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","minimum":"zero"}}}""", "is not a valid JSON Schema (draft 2020-12) at /properties/n/minimum")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","default":"many"}}}""", "has a default at /n that its own schema refuses")]
    [InlineData("""[1,2]""", "'settings' must be a JSON Schema object")]
    public async Task A_package_whose_settings_schema_is_unusable_fails_validation_saying_why(string schema, string expected)
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = $"bad-settings-{Guid.NewGuid():N}"[..20];
        var package = TestPlugins.Zip(
            ($"{id}/plugin.json", TestPlugins.Manifest(id, "1.0.0", change: m => m["settings"] = JsonNode.Parse(schema))),
            ($"{id}/TestPlugin.dll", TestPlugins.Compile("TestPlugin", TestPlugins.PreviewPluginSource)));
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, package)).StatusCode);

        var final = await PluginApi.WaitForFinalAsync(admin, id);
        Assert.Equal("failed", final.GetProperty("status").GetString());
        Assert.Contains(final.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_schema_with_required_settings_and_no_defaults_is_accepted_and_saving_without_them_is_refused()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = $"required-{Guid.NewGuid():N}"[..16];
        var schema = JsonNode.Parse("""{"type":"object","properties":{"url":{"type":"string","format":"uri"}},"required":["url"]}""");
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Zip(
            ($"{id}/plugin.json", TestPlugins.Manifest(id, "1.0.0", change: m => m["settings"] = schema)),
            ($"{id}/TestPlugin.dll", TestPlugins.Compile("TestPlugin", TestPlugins.PreviewPluginSource))), id);

        var refused = await PutAsync(admin, id, "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("url", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("").EnumerateArray().First().GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, id, """{"url":"https://example.com/"}""")).StatusCode);
    }

    internal static async Task<(string Id, string Extension)> ActivateEchoAsync(HttpClient admin, AppInstance app)
    {
        var (id, ext) = ($"settings-{Guid.NewGuid():N}"[..16], ".s" + Guid.NewGuid().ToString("N")[..6]);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.SettingsEchoPackage(id, "1.0.0", ext, Schema), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        return (id, ext);
    }

    /// <summary>What the running plugin on <paramref name="app"/> sees now: its revision and values.</summary>
    internal static async Task<(long Revision, JsonObject Values)> SeenAsync(AppInstance app, PreviewFile file)
    {
        var html = (await app.RenderAsync(file, "x"))?.Html ?? throw new InvalidOperationException("The settings echo plugin is not active.");
        var text = WebUtility.HtmlDecode(html["<p>r".Length..^"</p>".Length]);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return (long.Parse(text[..space], System.Globalization.CultureInfo.InvariantCulture), JsonNode.Parse(text[(space + 1)..])!.AsObject());
    }

    internal static Task<HttpResponseMessage> PutAsync(HttpClient admin, string id, string json) =>
        admin.PutAsync($"/api/admin/plugins/{id}/settings", new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> GetAsync(HttpClient admin, string id) =>
        (await admin.GetFromJsonAsync<JsonObject>($"/api/admin/plugins/{id}/settings"))!;

    /// <summary>A body sent without Content-Length.</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
