using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;
using Npgsql;

namespace CloudService.Tests.Outages;

/// <summary>
/// Issue 22, items 4 and 5: PostgreSQL gone or the disk full is a 503 problem with Retry-After on every
/// route, never a bare 500, and no answer shows a server path, a connection string or a stack trace.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OutageAnswersTests
{
    [Fact]
    public async Task With_postgresql_cut_uploads_downloads_sign_in_and_plugin_commands_answer_503_with_retry_after()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        var real = new NpgsqlConnectionStringBuilder(environment.PostgresConnectionString);
        await using var proxy = new CuttableTcpProxy(real.Host!, real.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(environment.PostgresConnectionString) { Host = "127.0.0.1", Port = proxy.Port, MaxPoolSize = 20 }.ConnectionString;
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = throughProxy });
        using var admin = await app.AdminClientAsync();
        using var user = await app.NewUserClientAsync();
        var stored = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("stored before the outage"), "before.txt");
        var pluginId = "outage-" + Guid.NewGuid().ToString("N")[..8];
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(pluginId, "1.0.0"), pluginId);

        proxy.Cut();
        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["upload"] = await FilesApi.UploadAsync(user, FilesApi.Utf8("during the outage"), "during.txt"),
            ["download"] = await user.GetAsync($"/api/files/{stored.Id()}/content"),
            ["list"] = await user.GetAsync("/api/files"),
            ["sign-in"] = await app.AnonymousClient().PostAsJsonAsync("/api/auth/token", new { userName = AppInstance.AdminUserName, password = AppInstance.AdminPassword }),
            ["activate"] = await admin.PostAsync($"/api/admin/plugins/{pluginId}/activate", null),
            ["package upload"] = await PluginApi.UploadAsync(admin, TestPlugins.Package(pluginId, "1.0.1")),
        };

        foreach (var (route, answer) in answers)
        {
            await AssertUnavailableAsync(route, answer, throughProxy);
        }

        proxy.Restore();
        var after = await RetryAsync(() => FilesApi.UploadAsync(user, FilesApi.Utf8("after the outage"), "after.txt"));
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var names = (await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!.Select(f => f.GetProperty("name").GetString()).Order();
        Assert.Equal(["after.txt", "before.txt"], names);
    }

    [Fact]
    public async Task With_the_disk_full_an_upload_answers_503_with_retry_after_and_leaves_nothing_behind()
    {
        using var disk = TinyDisk.Mount(megabytes: 2);
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?> { ["CloudService:Storage:BlobRoot"] = disk.Path });
        using var user = await app.NewUserClientAsync();

        var answer = await FilesApi.UploadAsync(user, FilesApi.RandomBytes(3 * 1024 * 1024, seed: 22), "too-big-for-the-disk.bin");

        await AssertUnavailableAsync("upload", answer, environment.PostgresConnectionString, disk.Path);
        Assert.Empty(FilesApi.StagedFiles(app));
        Assert.Empty((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);

        disk.Resize(megabytes: 16);
        Assert.Equal(HttpStatusCode.Created, (await FilesApi.UploadAsync(user, FilesApi.RandomBytes(3 * 1024 * 1024, seed: 22), "fits-now.bin")).StatusCode);
    }

    private static async Task AssertUnavailableAsync(string route, HttpResponseMessage answer, string connectionString, params string[] serverPaths)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{route}: {(int)answer.StatusCode} {body}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.True(answer.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{route}: no Retry-After");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        foreach (var secret in new[] { builder.Password!, builder.Database!, $"Port={builder.Port}", "Host=", "   at ", "Exception" }.Concat(serverPaths))
        {
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Npgsql notices that the server is back on the next attempt after a broken connection.</summary>
    private static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(200);
        }
    }
}
