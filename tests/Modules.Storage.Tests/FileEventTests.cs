using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Storage;

/// <summary>What another service sees on RabbitMQ when users store and delete files.</summary>
[Trait("Category", "Integration")]
public sealed class FileEventTests
{
    private const string Uploaded = "CloudService.Modules.Storage.Contracts:FileUploaded";
    private const string Deleted = "CloudService.Modules.Storage.Contracts:FileDeleted";

    private static bool About(JsonElement message, Guid fileId) => message.GetProperty("fileId").GetGuid() == fileId;

    [Fact]
    public async Task A_plain_amqp_subscriber_receives_FileUploaded_and_FileDeleted_with_their_fields()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment);
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, Uploaded, Deleted);
        using var user = await app.NewUserClientAsync();
        var bytes = FilesApi.Utf8("# Events\n");

        var file = await FilesApi.UploadOkAsync(user, bytes, "events.md");
        var second = await FilesApi.UploadOkAsync(user, bytes, "same-content.md");
        var received = await subscriber.WaitForAsync(r => r.Count(m => m.Exchange == Uploaded) >= 2, TimeSpan.FromSeconds(20));
        var uploaded = Assert.Single(received, r => r.Exchange == Uploaded && About(r.Message, file.Id())).Message;
        Assert.Equal(file.GetProperty("name").GetString(), uploaded.GetProperty("name").GetString());
        Assert.Equal("text/markdown", uploaded.GetProperty("contentType").GetString());
        Assert.Equal(bytes.Length, uploaded.GetProperty("size").GetInt64());
        Assert.Equal(FilesApi.Sha256Hex(bytes), uploaded.GetProperty("sha256").GetString());
        Assert.Equal(file.GetProperty("uploadedAt").GetDateTimeOffset(), uploaded.GetProperty("uploadedAt").GetDateTimeOffset());
        Assert.NotEqual(Guid.Empty, uploaded.GetProperty("ownerId").GetGuid());

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{second.Id()}")).StatusCode);
        received = await subscriber.WaitForAsync(r => r.Count(m => m.Exchange == Deleted) >= 2, TimeSpan.FromSeconds(20));
        var first = Assert.Single(received, r => r.Exchange == Deleted && About(r.Message, file.Id())).Message;
        var last = Assert.Single(received, r => r.Exchange == Deleted && About(r.Message, second.Id())).Message;
        Assert.True(first.GetProperty("contentStillReferenced").GetBoolean());
        Assert.False(last.GetProperty("contentStillReferenced").GetBoolean());
        Assert.Equal(uploaded.GetProperty("ownerId").GetGuid(), first.GetProperty("ownerId").GetGuid());
        Assert.Equal(FilesApi.Sha256Hex(bytes), last.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Files_are_stored_and_served_while_the_broker_is_cut_and_their_events_follow_once_it_is_back()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, Uploaded, Deleted);
        using var user = await app.NewUserClientAsync();
        var before = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("before the outage"), "before.txt");
        await subscriber.WaitForAsync(r => r.Any(m => About(m.Message, before.Id())), TimeSpan.FromSeconds(20));

        proxy.Cut();
        var bytes = FilesApi.RandomBytes(300_000, seed: 5);
        var during = await FilesApi.UploadOkAsync(user, bytes, "during.bin");
        Assert.Equal(bytes, await user.GetByteArrayAsync($"/api/files/{during.Id()}/content"));
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{before.Id()}")).StatusCode);
        Assert.Equal([during.Id()], (await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!.Select(f => f.Id()));
        await Task.Delay(500);
        Assert.DoesNotContain(subscriber.Received, r => About(r.Message, during.Id()));

        proxy.Restore();
        var received = await subscriber.WaitForAsync(
            r => r.Any(m => m.Exchange == Uploaded && About(m.Message, during.Id())) && r.Any(m => m.Exchange == Deleted && About(m.Message, before.Id())),
            TimeSpan.FromSeconds(60));
        Assert.Single(received, r => r.Exchange == Uploaded && About(r.Message, during.Id()));
    }

    [Fact]
    public async Task Stopping_the_app_while_an_event_is_being_published_lets_that_publish_finish_and_logs_no_error()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        var app = new AppInstance(environment, settings: new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var subscriber = await AmqpSubscriber.StartAsync(environment, Uploaded);
        try
        {
            using var user = await app.NewUserClientAsync();
            var warm = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("warm"), "warm.txt");
            await subscriber.WaitForAsync(r => r.Any(m => About(m.Message, warm.Id())), TimeSpan.FromSeconds(20));

            // Stopped once the subscriber has the event, while its publish confirm is still due.
            await proxy.StopWhilePublishConfirmIsDueAsync(app, async () =>
            {
                var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("last words"), "last.txt");
                await subscriber.WaitForAsync(r => r.Any(m => About(m.Message, file.Id())), TimeSpan.FromSeconds(20));
            });
        }
        finally
        {
            await app.DisposeAsync();
        }

        Assert.Empty(app.Logs.Errors);
        // Nothing left to send again at the next start.
        await using var connection = new Npgsql.NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var pending = new Npgsql.NpgsqlCommand("SELECT count(*) FROM storage.mt_doc_pendingevent", connection);
        Assert.Equal(0L, (long)(await pending.ExecuteScalarAsync())!);
    }
}
