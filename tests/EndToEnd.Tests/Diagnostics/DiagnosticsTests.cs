using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Diagnostics;

/// <summary>The admin-only diagnostics routes ./bench.sh reads memory and plugin load contexts from.</summary>
[Trait("Category", "Integration")]
public sealed class DiagnosticsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Memory_diagnostics_report_the_managed_heap_after_a_full_collection()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var memory = await admin.GetFromJsonAsync<JsonElement>("/api/admin/diagnostics/memory");
        Assert.InRange(memory.GetProperty("managedBytes").GetInt64(), 1, long.MaxValue);
        Assert.InRange(memory.GetProperty("workingSetBytes").GetInt64(), memory.GetProperty("managedBytes").GetInt64() / 2, long.MaxValue);
        Assert.InRange(memory.GetProperty("gen2Collections").GetInt32(), 1, int.MaxValue);
    }

    [Theory]
    [InlineData("/api/admin/diagnostics/memory")]
    [InlineData("/api/admin/diagnostics/plugins")]
    public async Task Diagnostics_are_for_admins_only(string route)
    {
        using var user = await fixture.App.NewUserClientAsync();
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync(route)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(route)).StatusCode);
    }

    [Fact]
    public async Task Plugin_diagnostics_count_an_active_plugins_context_and_none_once_it_is_deactivated()
    {
        const string id = "diagnostics-probe";
        using var admin = await fixture.App.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.PreviewPluginSourceFor("text/x-diagnostics-probe")), id);

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        var active = await admin.GetFromJsonAsync<JsonElement>("/api/admin/diagnostics/plugins");
        Assert.Contains(active.GetProperty("loaded").EnumerateArray(), p => p.GetProperty("pluginId").GetString() == id && p.GetProperty("version").GetString() == "1.0.0");
        Assert.Contains(active.GetProperty("loadContexts").EnumerateArray(), c => c.GetString()!.StartsWith($"plugin:{id}@1.0.0", StringComparison.Ordinal));
        Assert.Equal(active.GetProperty("loadContexts").GetArrayLength(), active.GetProperty("loadContextsAlive").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
        var inactive = await admin.GetFromJsonAsync<JsonElement>("/api/admin/diagnostics/plugins");
        Assert.DoesNotContain(inactive.GetProperty("loaded").EnumerateArray(), p => p.GetProperty("pluginId").GetString() == id);
        Assert.DoesNotContain(inactive.GetProperty("loadContexts").EnumerateArray(), c => c.GetString()!.StartsWith($"plugin:{id}@", StringComparison.Ordinal));
    }
}
