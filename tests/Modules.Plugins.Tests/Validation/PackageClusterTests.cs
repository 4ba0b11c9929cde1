using System.Net;
using System.Security.Cryptography;
using CloudService.Modules.Plugins;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CloudService.Tests.Plugins.Validation.CraftedZips;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>Validation across restarts and instances: each test has a world (database, vhost) of its own.</summary>
[Trait("Category", "Integration")]
public sealed class PackageClusterTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    /// <summary>A valid package of about <paramref name="megabytes"/> MB in <paramref name="files"/> files that do not compress.</summary>
    private static byte[] LargePackage(string id, int megabytes, int files)
    {
        var items = ValidPackage(id);
        items.AddRange(Enumerable.Range(0, files).Select(i => File($"{id}/assets/{i}.bin", RandomNumberGenerator.GetBytes(megabytes * 1024 * 1024 / files))));
        return Zip(items);
    }

    [Fact]
    public async Task Restarting_the_app_mid_validation_still_ends_in_a_final_state()
    {
        var id = "restart-" + Guid.NewGuid().ToString("N")[..8];
        // Many small files make a slow extraction (file creation dominates): about 2 s here, a wide window
        // to stop the job in even on a busy machine (1,900 files, ~0.4 s, once lost the race in CI).
        var manyEntries = new Dictionary<string, string?> { ["CloudService:Plugins:Limits:MaxEntries"] = "10000" };
        var first = new AppInstance(environment, "first", manyEntries);
        try
        {
            using var admin = await first.AdminClientAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, LargePackage(id, 45, 8000))).StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await PluginApi.DetailAsync(admin, id)).GetProperty("status").GetString() != "validating")
            {
                Assert.True(DateTime.UtcNow < deadline, "The validation never started.");
                await Task.Delay(10);
            }

            // Shut down the job server first, as a restart does, while the job is surely still running
            // (the rest of the host takes a while to stop): the job is cancelled and handed back to the queue.
            var jobServer = first.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "BackgroundJobServerHostedService");
            await jobServer.StopAsync(CancellationToken.None);
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = new AppInstance(environment, "second", manyEntries);
        using var admin2 = await second.AdminClientAsync();
        var detail = await PluginApi.WaitForFinalAsync(admin2, id, TimeSpan.FromSeconds(90));

        Assert.Equal("ready", detail.GetProperty("status").GetString());

        // The first run was cut short (no final event of its own), the second finished the job.
        var log = (await PluginApi.LogAsync(admin2, id)).Select(e => (Type: e.GetProperty("type").GetString(), Detail: e.GetProperty("detail").GetString()!)).ToList();
        Assert.True(log.Select(e => e.Type).SequenceEqual(["uploaded", "validation-started", "validation-started", "validated"]), string.Join("\n", log));
        Assert.True(Directory.Exists(Path.Combine(second.Services.GetRequiredService<PluginsOptions>().Root, id, "1.0.0")));
        Assert.Contains("on first-", log[1].Detail, StringComparison.Ordinal);
        Assert.Contains("on second-", log[2].Detail, StringComparison.Ordinal);

        // The interrupted run left nothing half-done in the first instance's plugin folder.
        var firstRoot = Path.Combine(first.InstanceDataRoot, "plugins");
        Assert.Empty(Directory.EnumerateFiles(firstRoot, "*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.EnumerateDirectories(firstRoot, "*", SearchOption.AllDirectories), d => Path.GetFileName(d).Contains("1.0.0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_activations_on_two_instances_let_one_win_and_give_the_other_409()
    {
        var id = "race-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = new AppInstance(environment, "a");
        await using var b = new AppInstance(environment, "b");
        using var adminA = await a.AdminClientAsync();
        using var adminB = await b.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(adminA, LargePackage(id, 12, 12))).StatusCode);
        Assert.Equal("ready", (await PluginApi.WaitForFinalAsync(adminA, id)).GetProperty("status").GetString());

        // Neither instance has it extracted now: both fetch the package and check it again before they
        // append, which keeps both commands in flight at once.
        foreach (var instance in new[] { a, b })
        {
            var folder = Path.Combine(instance.Services.GetRequiredService<PluginsOptions>().Root, id);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var responses = await Task.WhenAll(adminA.PostAsync($"/api/admin/plugins/{id}/activate", null), adminB.PostAsync($"/api/admin/plugins/{id}/activate", null));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var loser = responses.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", loser.Content.Headers.ContentType?.MediaType);
        var log = await PluginApi.LogAsync(adminA, id);
        Assert.Single(log, e => e.GetProperty("type").GetString() == "activated");
        Assert.Equal("active", (await PluginApi.DetailAsync(adminB, id)).GetProperty("status").GetString());
    }
}
