using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Preview;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Plugins.Events;

/// <summary>Issue 6: what other services receive is exactly what was committed, even across broker outages and crashes.</summary>
[Trait("Category", "Integration")]
public sealed partial class LifecycleEventTests
{
    private const string Namespace = "CloudService.Modules.Plugins.Contracts";
    private const string AllLifecycleEventsExchange = $"{Namespace}:IPluginLifecycleEvent";

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

    internal static IEnumerable<(string Exchange, JsonElement Message)> Of(IEnumerable<(string Exchange, JsonElement Message)> received, string pluginId) =>
        received.Where(r => r.Message.GetProperty("pluginId").GetString() == pluginId);

    /// <summary>De-duplicates by eventId as a subscriber must, keeping the first arrival.</summary>
    internal static List<(string Exchange, JsonElement Message)> Deduplicated(IEnumerable<(string Exchange, JsonElement Message)> received, string pluginId) =>
        Of(received, pluginId).DistinctBy(r => r.Message.GetProperty("eventId").GetGuid()).ToList();

    [Fact]
    public async Task A_plain_amqp_subscriber_receives_every_committed_lifecycle_event_once_with_the_documented_fields_in_order()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        // Two instances, as in a cluster: the relay runs on one of them only, so nothing arrives twice.
        await using var app = new AppInstance(environment, "a");
        await using var other = new AppInstance(environment, "b");
        _ = other.Server;
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, AllExchanges);
        await using var everything = await AmqpSubscriber.StartAsync(environment, AllLifecycleEventsExchange);
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
        Assert.Equal(JsonValueKind.Null, events[2].Message.GetProperty("previousVersion").ValueKind);

        // One relay, no duplicates in a healthy cluster; and the interface exchange carries them all.
        await Task.Delay(500);
        Assert.Equal(expected.Count, Of(subscriber.Received, id).Count());
        var all = await everything.WaitForAsync(r => Deduplicated(r, id).Count >= expected.Count, TimeSpan.FromSeconds(10));
        Assert.Equal(expected.Select(e => e.Exchange), Deduplicated(all, id).Select(e => e.Exchange));

        // The wire format docs/events.md promises.
        foreach (var (contentType, envelope) in subscriber.Envelopes.Where(e => e.Envelope.GetProperty("message").GetProperty("pluginId").GetString() == id))
        {
            Assert.Equal("application/vnd.masstransit+json", contentType);
            var types = envelope.GetProperty("messageType").EnumerateArray().Select(t => t.GetString()).ToList();
            Assert.Contains($"urn:message:{AllLifecycleEventsExchange}", types);
            Assert.StartsWith($"urn:message:{Namespace}:Plugin", types[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_fields_on_the_wire_are_the_contracts_and_exactly_what_docs_events_md_lists()
    {
        var docs = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "docs", "events.md"));
        var common = Fields(typeof(IPluginLifecycleEvent));
        foreach (var type in typeof(IPluginLifecycleEvent).Assembly.GetExportedTypes().Where(t => t.IsClass && typeof(IPluginLifecycleEvent).IsAssignableFrom(t)))
        {
            var row = Regex.Match(docs, $@"^\| `{type.Name}` \| (?<fields>[^|]*) \|$", RegexOptions.Multiline);
            Assert.True(row.Success, $"docs/events.md has no row for {type.Name}");
            Assert.Contains($"`{Namespace}:{type.Name}`", docs, StringComparison.Ordinal);
            var documented = BacktickedName().Matches(row.Groups["fields"].Value).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Equal(Fields(type).Except(common).Order(), documented.Order());
        }

        foreach (var field in common)
        {
            Assert.Matches($@"(?m)^\| `{field}` \| ", docs);
        }
    }

    [Fact]
    public async Task While_the_broker_is_down_files_cached_previews_and_lifecycle_commands_work_and_the_events_follow_once_each_in_order_even_after_a_crash()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        var throughProxy = new Dictionary<string, string?> { ["RabbitMq:Host"] = "127.0.0.1", ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, AllExchanges);
        var id = "outage-" + Guid.NewGuid().ToString("N")[..8];
        List<(string Exchange, long Sequence)> expected;

        var first = new AppInstance(environment, "first", throughProxy);
        try
        {
            using var admin = await first.AdminClientAsync();
            using var user = await first.NewUserClientAsync();
            var text = FilesApi.Utf8("notes while the broker is up\n");
            var file = await FilesApi.UploadOkAsync(user, text, "notes.txt");
            Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.WaitForPreviewAsync(user, file.Id())).StatusCode);
            proxy.Cut();

            // The app keeps working without the broker, and says so.
            var ready = await admin.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("rabbitmq", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(text, await user.GetByteArrayAsync($"/api/files/{file.Id()}/content"));
            var cached = await PreviewTesting.GetPreviewAsync(user, file.Id());
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            Assert.Equal("hit", cached.Header("X-Preview-Cache"));
            await FilesApi.UploadOkAsync(user, FilesApi.Utf8("written during the outage"), "during.txt");

            Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0"))).StatusCode);
            Assert.Equal("ready", (await PluginApi.WaitForFinalAsync(admin, id)).GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/plugins/{id}")).StatusCode);
            expected = await ExpectedAsync(admin, id);
            Assert.Equal(5, expected.Count);

            await Task.Delay(500);
            Assert.Empty(Deduplicated(subscriber.Received, id));
        }
        finally
        {
            // The process goes away with everything committed and nothing published.
            await first.DisposeAsync();
        }

        proxy.Restore();
        await using var second = new AppInstance(environment, "second", throughProxy);
        _ = second.Server;
        var received = await subscriber.WaitForAsync(r => Deduplicated(r, id).Count >= expected.Count, TimeSpan.FromSeconds(60));
        var events = Deduplicated(received, id);
        Assert.Equal(expected.Select(e => e.Exchange), events.Select(e => e.Exchange));
        Assert.Equal(expected.Select(e => e.Sequence), events.Select(e => e.Message.GetProperty("streamVersion").GetInt64()));
    }

    [Fact]
    public async Task Stopping_the_app_while_the_relay_is_publishing_lets_that_publish_finish_so_a_restart_sends_nothing_twice()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        var throughProxy = new Dictionary<string, string?> { ["RabbitMq:Host"] = "127.0.0.1", ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, AllExchanges);
        var id = "stop-" + Guid.NewGuid().ToString("N")[..8];
        var deactivated = $"{Namespace}:PluginDeactivated";

        var first = new AppInstance(environment, "first", throughProxy);
        try
        {
            using var admin = await first.AdminClientAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0"))).StatusCode);
            Assert.Equal("ready", (await PluginApi.WaitForFinalAsync(admin, id)).GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
            await subscriber.WaitForAsync(r => Deduplicated(r, id).Count == 3, TimeSpan.FromSeconds(20));

            // Stopped once the subscriber has the event, while the relay's publish confirm is still due.
            await proxy.StopWhilePublishConfirmIsDueAsync(first, async () =>
            {
                Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
                await subscriber.WaitForAsync(r => Of(r, id).Any(m => m.Exchange == deactivated), TimeSpan.FromSeconds(20));
            });
        }
        finally
        {
            await first.DisposeAsync();
        }

        Assert.Empty(first.Logs.Errors);
        await using var second = new AppInstance(environment, "second", throughProxy);
        using (var admin = await second.AdminClientAsync())
        {
            // The next event proves the relay on the new instance runs and has caught up.
            Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        }

        await subscriber.WaitForAsync(r => Deduplicated(r, id).Count == 5, TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        Assert.Equal(
            ["PluginUploaded", "PluginValidated", "PluginActivated", "PluginDeactivated", "PluginActivated"],
            Of(subscriber.Received, id).Select(r => r.Exchange[(Namespace.Length + 1)..]));
    }

    private static string[] Fields(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract").Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))];

    [GeneratedRegex("`([A-Za-z0-9]+)`")]
    private static partial Regex BacktickedName();
}
