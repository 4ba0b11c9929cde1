using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Outages;

/// <summary>Issue 22, item 7: a retry with the same Idempotency-Key gets the first answer and creates nothing new.</summary>
[Trait("Category", "Integration")]
public sealed class IdempotencyTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, string name, string key)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/octet-stream");
        form.Add(content, "file", name);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/files") { Content = form };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task An_upload_sent_again_with_its_key_returns_the_first_answer_and_stores_one_file()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var key = Guid.NewGuid().ToString();
        var bytes = FilesApi.RandomBytes(200_000, seed: 7);

        var first = await UploadAsync(user, bytes, "report.bin", key);
        var again = await UploadAsync(user, bytes, "report.bin", key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Single((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422_and_creates_nothing()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(user, FilesApi.Utf8("one"), "a.txt", key)).StatusCode);

        var other = await UploadAsync(user, FilesApi.Utf8("two"), "a.txt", key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        Assert.Single((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
    }

    [Fact]
    public async Task Keys_are_per_user_and_uploads_without_a_key_are_not_deduplicated()
    {
        using var alice = await fixture.App.NewUserClientAsync();
        using var bob = await fixture.App.NewUserClientAsync();
        var key = Guid.NewGuid().ToString();
        var bytes = FilesApi.Utf8("shared words");

        var fromAlice = await (await UploadAsync(alice, bytes, "w.txt", key)).Content.ReadFromJsonAsync<JsonElement>();
        var fromBob = await (await UploadAsync(bob, bytes, "w.txt", key)).Content.ReadFromJsonAsync<JsonElement>();
        await FilesApi.UploadOkAsync(alice, bytes, "w.txt");

        Assert.NotEqual(fromAlice.Id(), fromBob.Id());
        Assert.Equal(2, (await alice.GetFromJsonAsync<JsonElement[]>("/api/files"))!.Length);
    }

    [Fact]
    public async Task A_package_upload_sent_again_with_its_key_returns_the_first_answer()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = "idem-" + Guid.NewGuid().ToString("N")[..8];
        var key = Guid.NewGuid().ToString();
        var package = TestPlugins.Package(id, "1.0.0");
        async Task<HttpResponseMessage> SendAsync(byte[] zip)
        {
            using var form = new MultipartFormDataContent();
            var content = new ByteArrayContent(zip);
            content.Headers.ContentType = new("application/zip");
            form.Add(content, "package", "plugin.zip");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/plugins") { Content = form };
            request.Headers.Add("Idempotency-Key", key);
            return await admin.SendAsync(request);
        }

        var first = await SendAsync(package);
        var again = await SendAsync(package);
        var different = await SendAsync(TestPlugins.Package(id, "1.0.1"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);
        await PluginApi.WaitForFinalAsync(admin, id);
        Assert.Single(await PluginApi.LogAsync(admin, id), e => e.GetProperty("type").GetString() == "uploaded");
    }
}
