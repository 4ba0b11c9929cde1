using System.Net;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Plugins.Events;

/// <summary>Issue 6: what other services receive is exactly what was committed, even across broker outages and crashes.</summary>
public sealed class LifecycleEventTests
{
    private const string Namespace = "CloudService.Modules.Plugins.Contracts";

    internal static readonly Dictionary<string, string> ExchangeForLogType = new()
    {
        ["uploaded"] = $"{Namespace}:PluginUploaded",
        ["validated"] = $"{Namespace}:PluginValidated",
        ["validation-failed"] = $"{Namespace}:PluginValidationFailed",
        ["activated"] = $"{Namespace}:PluginActivated",
        ["activation-failed"] = $"{Namespace}:PluginFailed",
        ["render-failed"] = $"{Namespace}:PluginFailed",
        ["deactivated"] = $"{Namespace}:PluginDeactivated",
        ["uninstalled"] = $"{Namespace}:PluginUninstalled",
    };

    internal static string[] AllExchanges => [.. ExchangeForLogType.Values.Distinct()];

    /// <summary>The public events the audit log says should have been published, in stream order.</summary>
    internal static async Task<List<(string Exchange, long Sequence)>> ExpectedAsync(HttpClient admin, string pluginId) =>
        (await PluginApi.LogAsync(admin, pluginId))
            .Where(e => ExchangeForLogType.ContainsKey(e.GetProperty("type").GetString()!))
            .Select(e => (ExchangeForLogType[e.GetProperty("type").GetString()!], e.GetProperty("sequence").GetInt64()))
            .ToList();

    /// <summary>De-duplicates by eventId as a subscriber must, keeping the first arrival.</summary>
    internal static List<(string Exchange, JsonElement Message)> Deduplicated(IEnumerable<(string Exchange, JsonElement Message)> received, string pluginId) =>
        received.Where(r => r.Message.GetProperty("pluginId").GetString() == pluginId)
            .DistinctBy(r => r.Message.GetProperty("eventId").GetGuid())
            .ToList();

    [Fact]
    public async Task A_plain_amqp_subscriber_receives_every_committed_lifecycle_event_with_its_fields_in_order()
    {
        await using var environment = new AsyncEnvironment();
        await using var app = new AppInstance(environment.Value);
        await using var subscriber = await AmqpSubscriber.StartAsync(environment.Value, AllExchanges);
        using var admin = await app.AdminClientAsync();
        var id = "ev-" + Guid.NewGuid().ToString("N")[..8];

        // Upload → validate → activate → deactivate (issue 6), then delete.
        var upload = await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0"));
        Assert.True(upload.StatusCode == HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
        Assert.Equal("ready", (await PluginApi.WaitForFinalAsync(admin, id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/plugins/{id}")).StatusCode);

        var expected = await ExpectedAsync(admin, id);
        Assert.Equal(
            ["PluginUploaded", "PluginValidated", "PluginActivated", "PluginDeactivated", "PluginUninstalled"],
            expected.Select(e => e.Exchange[(Namespace.Length + 1)..]));
        var received = await subscriber.WaitForAsync(r => Deduplicated(r, id).Count >= expected.Count, TimeSpan.FromSeconds(20));
        var events = Deduplicated(received, id);
        Assert.Equal(expected.Select(e => e.Exchange), events.Select(e => e.Exchange));
        Assert.Equal(expected.Select(e => e.Sequence), events.Select(e => e.Message.GetProperty("streamVersion").GetInt64()));
        foreach (var (_, message) in events)
        {
            Assert.Equal(id, message.GetProperty("pluginId").GetString());
            Assert.Equal("1.0.0", message.GetProperty("version").GetString());
            Assert.Equal("admin", message.GetProperty("by").GetString());
            Assert.NotEqual(Guid.Empty, message.GetProperty("eventId").GetGuid());
            Assert.True(message.GetProperty("occurredAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        Assert.Equal(64, events[0].Message.GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public async Task Events_committed_while_the_broker_is_unreachable_and_before_a_crash_still_arrive_once_each_in_order()
    {
        await using var environment = new AsyncEnvironment();
        await using var proxy = new CuttableTcpProxy(environment.Value.RabbitMq.Host, environment.Value.RabbitMq.Port);
        var throughProxy = new Dictionary<string, string?> { ["RabbitMq:Host"] = "127.0.0.1", ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var subscriber = await AmqpSubscriber.StartAsync(environment.Value, AllExchanges);
        var id = "outage-" + Guid.NewGuid().ToString("N")[..8];
        List<(string Exchange, long Sequence)> expected;

        var first = new AppInstance(environment.Value, "first", throughProxy);
        try
        {
            using var admin = await first.AdminClientAsync();
            proxy.Cut();

            // The app keeps working without the broker, and says so.
            var ready = await admin.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("rabbitmq", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0"))).StatusCode);
            await PluginApi.WaitForFinalAsync(admin, id);
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/plugins/{id}")).StatusCode);
            expected = await ExpectedAsync(admin, id);
            Assert.True(expected.Count >= 3);

            await Task.Delay(500);
            Assert.Empty(Deduplicated(subscriber.Received, id));
        }
        finally
        {
            // The process goes away between commit and publish.
            await first.DisposeAsync();
        }

        proxy.Restore();
        await using var second = new AppInstance(environment.Value, "second", throughProxy);
        _ = second.Server;
        var received = await subscriber.WaitForAsync(r => Deduplicated(r, id).Count >= expected.Count, TimeSpan.FromSeconds(60));
        var events = Deduplicated(received, id);
        Assert.Equal(expected.Select(e => e.Exchange), events.Select(e => e.Exchange));
        Assert.Equal(expected.Select(e => e.Sequence), events.Select(e => e.Message.GetProperty("streamVersion").GetInt64()));
    }

    /// <summary>A TestEnvironment owned by one test (these tests need a world of their own).</summary>
    private sealed class AsyncEnvironment : IAsyncDisposable
    {
        public TestEnvironment Value { get; } = new();

        public AsyncEnvironment() => Value.InitializeAsync().GetAwaiter().GetResult();

        public async ValueTask DisposeAsync() => await Value.DisposeAsync();
    }
}
