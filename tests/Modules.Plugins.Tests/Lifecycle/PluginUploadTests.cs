using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;

namespace CloudService.Tests.Plugins.Lifecycle;

[Trait("Category", "Integration")]
public sealed class PluginUploadTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Upload_answers_202_at_once_and_the_audit_log_names_the_uploader()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = "up-" + Guid.NewGuid().ToString("N")[..8];
        var response = await PluginApi.UploadAsync(admin, TestPlugins.Zip(($"{id}/plugin.json", TestPlugins.Manifest(id, "1.0.0"))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("pluginId").GetString());
        Assert.Equal("1.0.0", body.GetProperty("version").GetString());
        Assert.Equal($"/api/admin/plugins/{id}", body.GetProperty("statusUrl").GetString());

        await PluginApi.WaitForFinalAsync(admin, id);
        var log = await PluginApi.LogAsync(admin, id);
        Assert.Equal("uploaded", log[0].GetProperty("type").GetString());
        Assert.Equal("admin", log[0].GetProperty("by").GetString());
        Assert.Contains(log, e => e.GetProperty("type").GetString() == "validation-started");
    }

    [Fact]
    public async Task Not_a_zip_is_400_with_a_reason_and_is_kept_on_record()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var response = await PluginApi.UploadAsync(admin, "this is not a zip"u8.ToArray(), "junk.zip");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var rejected = await admin.GetFromJsonAsync<JsonElement[]>("/api/admin/plugins/rejected");
        Assert.Contains(rejected!, r => r.GetProperty("fileName").GetString() == "junk.zip");
    }

    [Fact]
    public async Task A_zip_without_plugin_json_is_400_and_no_plugin_appears()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var response = await PluginApi.UploadAsync(admin, TestPlugins.Zip(("readme.txt", "hello"u8.ToArray())), "no-manifest.zip");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("plugin.json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var list = await admin.GetFromJsonAsync<JsonElement[]>("/api/admin/plugins");
        Assert.DoesNotContain(list!, p => p.GetProperty("pluginId").GetString() == "no-manifest");
    }

    [Fact]
    public async Task Reuploading_a_version_with_other_content_is_409_and_identical_content_is_idempotent()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = "dup-" + Guid.NewGuid().ToString("N")[..8];
        var first = TestPlugins.Zip(($"{id}/plugin.json", TestPlugins.Manifest(id, "1.0.0")));
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, first)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, first)).StatusCode);
        var other = TestPlugins.Zip(($"{id}/plugin.json", TestPlugins.Manifest(id, "1.0.0")), ($"{id}/extra.txt", "x"u8.ToArray()));
        var conflict = await PluginApi.UploadAsync(admin, other);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("higher version", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var log = await PluginApi.LogAsync(admin, id);
        Assert.Single(log, e => e.GetProperty("type").GetString() == "uploaded");
    }

    [Fact]
    public async Task Unknown_plugin_is_404_and_non_admins_cannot_upload()
    {
        using var admin = await fixture.App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/admin/plugins/nope-nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/admin/plugins/nope-nothing/log")).StatusCode);
        using var user = await fixture.App.NewUserClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await PluginApi.UploadAsync(user, TestPlugins.Zip(("x/plugin.json", TestPlugins.Manifest("x", "1.0.0"))))).StatusCode);
    }
}
