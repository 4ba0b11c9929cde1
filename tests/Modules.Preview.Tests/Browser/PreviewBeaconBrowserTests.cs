using System.Net;
using System.Net.Sockets;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;
using Microsoft.Playwright;

namespace CloudService.Tests.Preview.Browser;

/// <summary>
/// A file's author cannot learn who opened it (issue 23): a beacon image in a preview is never
/// requested — Chromium asks nothing of it (Playwright sees every request of the page and its frames)
/// and a listener standing for the author's server accepts no connection. The sanitiser drops remote
/// image sources and the frame's policy says <c>img-src 'none'</c> (remote images are an admin's choice).
/// </summary>
[Trait("Category", "Browser")]
public sealed class PreviewBeaconBrowserTests(PreviewFrameAppFixture fixture) : IClassFixture<PreviewFrameAppFixture>
{
    [Fact]
    public async Task A_beacon_image_in_a_preview_is_never_requested()
    {
        using var beacon = new TcpListener(IPAddress.Loopback, 0);
        beacon.Start();
        var port = ((IPEndPoint)beacon.LocalEndpoint).Port;
        var connections = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await beacon.AcceptTcpClientAsync();
                Interlocked.Increment(ref connections);
            }
        });

        var userName = await fixture.CreateUserAsync("beacon");
        await using var session = await fixture.OpenSessionAsync(userName);
        await session.SignInAsync(userName, BrowserAppFixture.UserPassword);
        using var api = await fixture.ApiClientAsync(userName, BrowserAppFixture.UserPassword);
        using var admin = await fixture.AdminApiClientAsync();
        var (id, ext) = ("raw-" + Guid.NewGuid().ToString("N")[..8], ".x" + Guid.NewGuid().ToString("N")[..6]);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.RawHtmlPreviewSource(ext)), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);
        var html = $"<h1 id=\"opened\">Read me</h1><img id=\"b1\" src=\"http://127.0.0.1:{port}/beacon.png\" alt=\"beacon\">" +
                   $"<img id=\"b2\" src=\"//127.0.0.1:{port}/beacon2.png\"><p><a id=\"link\" href=\"http://127.0.0.1:{port}/page\">a link stays</a></p>";
        var file = await FilesApi.UploadOkAsync(api, FilesApi.Utf8(html), "beacon" + ext);

        var page = session.Page;
        var beaconRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains($":{port}/", StringComparison.Ordinal))
            {
                lock (beaconRequests)
                {
                    beaconRequests.Add(request.Url);
                }
            }
        };
        var frameResponse = page.WaitForResponseAsync(r => r.Url.EndsWith($"/files/{file.Id()}/preview", StringComparison.Ordinal));
        await page.GotoAsync($"/files/{file.Id()}", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        var frame = page.FrameLocator("iframe.preview");
        await Assertions.Expect(frame.Locator("h1#opened")).ToHaveTextAsync("Read me", new() { Timeout = 15_000 });
        // The frame's document (images included) has loaded completely: whatever it would fetch, it has asked for.
        var previewFrame = page.Frames.Single(f => f.Url.EndsWith($"/files/{file.Id()}/preview", StringComparison.Ordinal));
        await previewFrame.WaitForLoadStateAsync(LoadState.Load);
        await page.WaitForLoadStateAsync(LoadState.Load);

        Assert.Contains("img-src 'none'", (await (await frameResponse).AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        Assert.Empty(beaconRequests);
        Assert.Equal(0, Volatile.Read(ref connections));
        Assert.Null(await frame.Locator("img#b1").GetAttributeAsync("src"));
        Assert.Equal("beacon", await frame.Locator("img#b1").GetAttributeAsync("alt"));
        Assert.Equal($"http://127.0.0.1:{port}/page", await frame.Locator("a#link").GetAttributeAsync("href"));
        await session.ScreenshotAsync("preview-beacon-blocked");
        session.AssertNothingUnexpected();
        beacon.Stop();
    }
}
