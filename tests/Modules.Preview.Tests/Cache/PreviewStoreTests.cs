using System.Diagnostics;
using System.Text;
using CloudService.Modules.Preview;
using CloudService.Modules.Preview.Cache;
using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudService.Tests.Preview.Cache;

/// <summary>
/// The shared cache on real PostgreSQL. Two stores with separate connection pools stand for two
/// instances: claims, notifications and eviction must hold across them, not only inside one process.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PreviewStoreTests : IAsyncLifetime, IDisposable
{
    private readonly TestEnvironment environment = new();
    private PreviewDatabase databaseA = null!;
    private PreviewDatabase databaseB = null!;
    private PreviewStore a = null!;
    private PreviewStore b = null!;

    public async Task InitializeAsync()
    {
        await environment.InitializeAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = environment.PostgresConnectionString })
            .Build();
        databaseA = new PreviewDatabase(configuration, new PreviewOptions());
        databaseB = new PreviewDatabase(configuration, new PreviewOptions());
        a = new PreviewStore(databaseA);
        b = new PreviewStore(databaseB);
        await environment.MigrateAsync();
    }

    public Task DisposeAsync() => environment.DisposeAsync();

    public void Dispose()
    {
        databaseA?.Dispose();
        databaseB?.Dispose();
    }

    private static PreviewKey NewKey(string provider = "test-plugin@1.0.0") => new(Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), provider, Guid.NewGuid());

    private static CachedPreview Preview(string html) => new(Encoding.UTF8.GetBytes(html), null, $"\"{html.GetHashCode(StringComparison.Ordinal):x}\"");

    [Fact]
    public async Task Of_a_hundred_concurrent_requesters_on_two_instances_exactly_one_queues_the_generation()
    {
        var key = NewKey();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? a : b).TryQueueAsync(key, TimeSpan.FromSeconds(30), default)));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task A_renderer_takes_a_queued_claim_but_never_one_another_renderer_holds()
    {
        var key = NewKey();
        Assert.True(await a.TryQueueAsync(key, TimeSpan.FromSeconds(30), default));
        var renderers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).TryStartRenderAsync(key, Guid.NewGuid(), TimeSpan.FromSeconds(30), default)));
        Assert.Single(renderers, r => r);
        Assert.False(await b.TryQueueAsync(key, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task An_expired_claim_of_a_crashed_renderer_can_be_taken_again()
    {
        var key = NewKey();
        // A lease long enough that a busy CI machine reaches the second claim inside it (200 ms was not).
        Assert.True(await a.TryStartRenderAsync(key, Guid.NewGuid(), TimeSpan.FromSeconds(2), default));
        Assert.False(await b.TryStartRenderAsync(key, Guid.NewGuid(), TimeSpan.FromSeconds(30), default));
        await Task.Delay(2500);
        Assert.True(await b.TryQueueAsync(key, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task Saving_ends_the_claim_forgets_the_failure_and_is_found_by_the_other_instance()
    {
        var key = NewKey();
        var owner = Guid.NewGuid();
        Assert.True(await a.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default));
        await a.SaveFailureAsync(key, "boom", timedOut: false, TimeSpan.FromMinutes(1), owner, default);
        var (_, failure) = await b.LookupAsync(key, default);
        Assert.Equal("boom", failure?.Reason);

        var second = Guid.NewGuid();
        Assert.True(await b.TryStartRenderAsync(key, second, TimeSpan.FromSeconds(30), default)); // the failure ended the first claim
        await b.SaveAsync(key, Preview("<p>ok</p>"), second, default);
        var (preview, stillFailed) = await a.LookupAsync(key, default);
        Assert.Equal("<p>ok</p>", Encoding.UTF8.GetString(preview!.Html));
        Assert.Null(stillFailed);
        Assert.False(await a.IsRenderingAsync(key, default)); // the claim is gone
    }

    [Fact]
    public async Task A_preview_or_failure_that_is_stored_is_never_queued_again()
    {
        var key = NewKey();
        var owner = Guid.NewGuid();
        Assert.True(await a.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default));
        await a.SaveAsync(key, Preview("<p>done</p>"), owner, default);
        Assert.False(await b.TryQueueAsync(key, TimeSpan.FromSeconds(30), default));

        var failed = NewKey();
        Assert.True(await a.TryStartRenderAsync(failed, owner, TimeSpan.FromSeconds(30), default));
        await a.SaveFailureAsync(failed, "boom", timedOut: false, TimeSpan.FromMinutes(1), owner, default);
        Assert.False(await b.TryQueueAsync(failed, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task A_remembered_failure_is_forgotten_when_it_expires()
    {
        var key = NewKey();
        var owner = Guid.NewGuid();
        await a.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default);
        await a.SaveFailureAsync(key, "slow", timedOut: true, TimeSpan.FromMilliseconds(300), owner, default);
        Assert.True((await b.LookupAsync(key, default)).Failure?.TimedOut);
        await Task.Delay(400);
        Assert.Equal((null, null), await b.LookupAsync(key, default));
    }

    [Fact]
    public async Task Waiters_on_one_instance_wake_when_another_instance_stores_the_preview()
    {
        var notifications = new ReadyNotifications();
        using var listener = new ReadyListener(databaseA, notifications, NullLogger<ReadyListener>.Instance);
        await listener.StartAsync(default);
        try
        {
            var key = NewKey();
            using var subscription = notifications.Subscribe(key.Sha256);
            await Task.Delay(300); // the listener's LISTEN is in place
            var owner = Guid.NewGuid();
            await b.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default);
            var stored = Stopwatch.StartNew();
            await b.SaveAsync(key, Preview("<p>hello</p>"), owner, default);
            var wait = subscription.WaitAsync(TimeSpan.FromSeconds(10), default);
            await wait;
            Assert.True(stored.Elapsed < TimeSpan.FromSeconds(10), "no notification arrived; the wait ran into its timeout");
        }
        finally
        {
            await listener.StopAsync(default);
        }
    }

    [Fact]
    public async Task Eviction_keeps_the_most_recently_used_previews_within_the_byte_bound()
    {
        var keys = Enumerable.Range(0, 6).Select(_ => NewKey()).ToList();
        foreach (var key in keys)
        {
            var owner = Guid.NewGuid();
            await a.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default);
            await a.SaveAsync(key, Preview(new string('x', 1000)), owner, default);
            await Task.Delay(20);
        }

        await b.TouchAsync([keys[0]], default); // the oldest is used again
        var evicted = await a.EvictAsync(3500, keys[5], default);
        Assert.Equal(3, evicted);
        var present = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            if ((await b.LookupAsync(keys[i], default)).Preview is not null)
            {
                present.Add(i);
            }
        }

        Assert.Equal([0, 4, 5], present);
    }

    [Fact]
    public async Task Purging_a_content_or_a_plugin_removes_exactly_their_previews()
    {
        var sha = NewKey().Sha256;
        var keys = new[]
        {
            new PreviewKey(sha, "md@1.0.0", Guid.NewGuid()), new PreviewKey(sha, PreviewKey.BuiltinText, Guid.NewGuid()), NewKey("md@1.0.0"), NewKey("md@2.0.0"), NewKey("other@1.0.0"),
        };
        foreach (var key in keys)
        {
            var owner = Guid.NewGuid();
            await a.TryStartRenderAsync(key, owner, TimeSpan.FromSeconds(30), default);
            await a.SaveAsync(key, Preview("<p>x</p>"), owner, default);
        }

        Assert.Equal(2, await b.PurgeContentAsync(sha, default));
        Assert.Equal(2, await b.PurgePluginAsync("md", default));
        var left = new List<PreviewKey>();
        foreach (var key in keys)
        {
            if ((await a.LookupAsync(key, default)).Preview is not null)
            {
                left.Add(key);
            }
        }

        Assert.Equal([keys[4]], left);
    }
}
