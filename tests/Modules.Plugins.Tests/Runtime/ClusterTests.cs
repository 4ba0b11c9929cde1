using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Plugins.Runtime;

/// <summary>Issue 4: every instance converges to the stored activation state, whichever instance an admin talks to.</summary>
[Trait("Category", "Integration")]
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    [Fact]
    public async Task Activating_on_one_instance_makes_the_other_serve_within_two_seconds_and_deactivating_there_stops_the_first()
    {
        await using var a = new AppInstance(environment, "a");
        await using var b = new AppInstance(environment, "b");
        _ = b.Server;
        using var adminA = await a.AdminClientAsync();
        using var adminB = await b.AdminClientAsync();
        await PluginApi.UploadReadyAsync(adminA, MarkdownPackage.Bytes, MarkdownPackage.Id);

        // Whichever instance validated it, b's copy is gone now: b must extract it again from the shared package store.
        var folderOnB = Path.Combine(b.InstanceDataRoot, "plugins", MarkdownPackage.Id);
        if (Directory.Exists(folderOnB))
        {
            Directory.Delete(folderOnB, recursive: true);
        }

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(adminA, MarkdownPackage.Id)).StatusCode);
        Assert.NotNull(a.Providers().Find(Previews.Readme));
        Assert.True(await Previews.EventuallyAsync(() => b.Providers().Find(Previews.Readme) is not null, TimeSpan.FromSeconds(2)),
            "The second instance does not serve the plugin 2 s after it was activated on the first.");
        Assert.Contains("<h1>On b</h1>", (await b.RenderAsync(Previews.Readme, "# On b"))!.Html, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folderOnB, MarkdownPackage.Version, "plugin.json")));

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(adminB, MarkdownPackage.Id)).StatusCode);
        Assert.Null(b.Providers().Find(Previews.Readme));
        Assert.True(await Previews.EventuallyAsync(() => a.Providers().Find(Previews.Readme) is null, TimeSpan.FromSeconds(2)),
            "The first instance still serves the plugin 2 s after it was deactivated on the second.");

        // Both instances report their unload in the audit log.
        var log = Array.Empty<System.Text.Json.JsonElement>();
        Assert.True(await Previews.EventuallyAsync(async () =>
        {
            log = await PluginApi.LogAsync(adminA, MarkdownPackage.Id);
            return log.Count(e => e.GetProperty("type").GetString() == "unloaded") == 2;
        }, TimeSpan.FromSeconds(10)));
        Assert.Contains(log, e => e.GetProperty("type").GetString() == "unloaded" && e.GetProperty("detail").GetString()!.Contains("Unloaded on a-", StringComparison.Ordinal));
        Assert.Contains(log, e => e.GetProperty("type").GetString() == "unloaded" && e.GetProperty("detail").GetString()!.Contains("Unloaded on b-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_instance_started_later_loads_every_active_plugin_from_the_package_store_on_start_up()
    {
        await using var a = new AppInstance(environment, "a");
        using var admin = await a.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, MarkdownPackage.Bytes, MarkdownPackage.Id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, MarkdownPackage.Id)).StatusCode);

        await using var late = new AppInstance(environment, "late");
        Assert.False(Directory.Exists(Path.Combine(late.InstanceDataRoot, "plugins", MarkdownPackage.Id)));
        _ = late.Server;

        Assert.True(await Previews.EventuallyAsync(() => late.Providers().Find(Previews.Readme) is not null, TimeSpan.FromSeconds(10)));
        Assert.Contains("<em>late</em>", (await late.RenderAsync(Previews.Readme, "*late*"))!.Html, StringComparison.Ordinal);
    }
}
