using System.Net;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Runtime;

namespace CloudService.Tests.Plugins.Settings;

/// <summary>Settings saved on one instance reach the running plugin on every other instance within 5 s (API.md, "Settings").</summary>
[Trait("Category", "Integration")]
public sealed class SettingsClusterTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    [Fact]
    public async Task Settings_saved_on_one_instance_reach_the_plugin_on_the_other_within_five_seconds()
    {
        await using var a = new AppInstance(environment, "a");
        await using var b = new AppInstance(environment, "b");
        _ = b.Server;
        using var adminA = await a.AdminClientAsync();
        var (id, ext) = await PluginSettingsTests.ActivateEchoAsync(adminA, a);
        var file = new PreviewFile("c" + ext, "text/plain", 1);
        Assert.True(await Previews.EventuallyAsync(() => b.Providers().Find(file) is not null, TimeSpan.FromSeconds(5)));

        Assert.Equal(HttpStatusCode.OK, (await PluginSettingsTests.PutAsync(adminA, id, """{"greeting":"from a","apiKey":"k-1"}""")).StatusCode);
        Assert.True(await Previews.EventuallyAsync(async () => (await PluginSettingsTests.SeenAsync(b, file)).Values["greeting"]?.GetValue<string>() == "from a", TimeSpan.FromSeconds(5)),
            "The plugin on the second instance did not see the new settings within 5 s.");
        Assert.Equal("k-1", (await PluginSettingsTests.SeenAsync(b, file)).Values["apiKey"]!.GetValue<string>());
        Assert.Equal((await PluginSettingsTests.SeenAsync(a, file)).Revision, (await PluginSettingsTests.SeenAsync(b, file)).Revision);
    }
}
