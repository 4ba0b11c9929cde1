using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Preview.Security;

/// <summary>
/// One user cannot slow everyone (issue 23): a user who floods the server with renders waits behind
/// their own renders, in a bounded queue, while another user's preview takes a slot of its own. The
/// flood's renders hang until the test opens their gate, so nothing here depends on how fast they are.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FairRenderingTests(PreviewSecurityFixture fixture) : IClassFixture<PreviewSecurityFixture>, IDisposable
{
    private readonly string gate = Path.Combine(Path.GetTempPath(), $"preview-gate-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(gate);

    [Fact]
    public async Task A_flooding_user_waits_behind_their_own_renders_and_another_users_preview_is_not_made_to_wait()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var flooder = await fixture.App.NewUserClientAsync();
        using var neighbour = await fixture.App.NewUserClientAsync();
        var (id, ext) = ($"gated-{Guid.NewGuid():N}"[..14], ".x" + Guid.NewGuid().ToString("N")[..6]);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.GatedPreviewSource(ext, gate)), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);

        var flood = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            flood.Add((await FilesApi.UploadOkAsync(flooder, FilesApi.Utf8($"heavy {i} {Guid.NewGuid()}"), $"heavy{i}{ext}")).Id());
        }

        // One render in the flooder's one slot, three waiting in their queue, and the rest refused.
        var answers = new List<HttpResponseMessage>();
        foreach (var file in flood)
        {
            answers.Add(await PreviewTesting.GetPreviewAsync(flooder, file, waitMs: 0));
        }

        Assert.Equal(
            [HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable],
            answers.Select(a => a.StatusCode));
        var refused = answers[^1];
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("Too many previews waiting", (await refused.ProblemAsync()).GetProperty("title").GetString());

        // The neighbour's small file is rendered at once in the other slot, while every render of the flood still waits.
        var small = await FilesApi.UploadOkAsync(neighbour, FilesApi.Utf8($"small {Guid.NewGuid()}"), "small.txt");
        var preview = await PreviewTesting.GetPreviewAsync(neighbour, small.Id(), waitMs: 20_000);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        foreach (var file in flood.Take(4))
        {
            Assert.Equal("pending", (await flooder.GetFromJsonAsync<JsonElement>($"/api/files/{file}/preview/status")).GetProperty("status").GetString());
        }

        // The refused ones were not queued; asked again while the queue is still full, they are refused again.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await flooder.GetAsync($"/api/files/{flood[^1]}/preview/status")).StatusCode);

        // The neighbour's own renders are not counted against the flood's queue either way.
        var another = await FilesApi.UploadOkAsync(neighbour, FilesApi.Utf8($"another {Guid.NewGuid()}"), "another" + ext);
        Assert.Equal(HttpStatusCode.Accepted, (await PreviewTesting.GetPreviewAsync(neighbour, another.Id(), waitMs: 0)).StatusCode);

        await File.WriteAllTextAsync(gate, "open");
        foreach (var file in flood)
        {
            var done = await PreviewTesting.WaitForPreviewAsync(flooder, file, TimeSpan.FromSeconds(60));
            Assert.True(done.StatusCode == HttpStatusCode.OK,
                $"{flood.IndexOf(file)}: {(int)done.StatusCode} {await done.Content.ReadAsStringAsync()}\n{string.Join("\n", fixture.App.Logs.Entries)}");
            Assert.StartsWith("<p>gated: heavy ", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_flooding_users_renders_run_at_low_priority_and_another_users_at_the_normal_one()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var flooder = await fixture.App.NewUserClientAsync();
        using var neighbour = await fixture.App.NewUserClientAsync();
        var (id, ext) = ($"nice-{Guid.NewGuid():N}"[..12], ".n" + Guid.NewGuid().ToString("N")[..6]);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.NicePreviewSource(ext, gate)), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);

        // The flooder asks for three renders: one takes their slot, two wait in their queue.
        var flood = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var file = (await FilesApi.UploadOkAsync(flooder, FilesApi.Utf8($"flood {i} {Guid.NewGuid()}"), $"f{i}{ext}")).Id();
            Assert.Equal(HttpStatusCode.Accepted, (await PreviewTesting.GetPreviewAsync(flooder, file, waitMs: 0)).StatusCode);
            flood.Add(file);
        }

        var small = (await FilesApi.UploadOkAsync(neighbour, FilesApi.Utf8($"small {Guid.NewGuid()}"), "small" + ext)).Id();
        Assert.Equal(HttpStatusCode.Accepted, (await PreviewTesting.GetPreviewAsync(neighbour, small, waitMs: 0)).StatusCode);
        await File.WriteAllTextAsync(gate, "open");

        // The second of the flood started while the third still waited: low priority (the default
        // RenderNice, 10), also on the thread its continuation ran on. The neighbour's: the normal one.
        var second = await PreviewTesting.WaitForPreviewAsync(flooder, flood[1], TimeSpan.FromSeconds(30));
        Assert.Equal("<p>nice 10 10</p>", await second.Content.ReadAsStringAsync());
        var neighbours = await PreviewTesting.WaitForPreviewAsync(neighbour, small, TimeSpan.FromSeconds(30));
        Assert.Equal("<p>nice 0 0</p>", await neighbours.Content.ReadAsStringAsync());

        // Every render ends before the gate goes (Dispose): a render left waiting for it would hold a slot into the next test.
        foreach (var file in flood)
        {
            Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.WaitForPreviewAsync(flooder, file, TimeSpan.FromSeconds(30))).StatusCode);
        }
    }
}
