using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;
using Microsoft.Playwright;

namespace CloudService.Tests.Preview.Browser;

/// <summary>
/// Nothing is rendered ahead and nothing is waited for before answering (DefaultWait 0), so a frame
/// always starts with "Generating preview…".
/// </summary>
public sealed class PreviewFrameAppFixture : BrowserAppFixture
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        foreach (var (key, value) in PreviewTesting.Settings(Environment))
        {
            settings[key] = value;
        }

        settings["CloudService:Preview:DefaultWait"] = "00:00:00";
        settings["CloudService:Preview:PregenerateOnUpload"] = "false";
    }
}

/// <summary>
/// The file page's sandboxed preview frame in Chromium: while a preview is generated it says so and
/// then shows it, without script or reload; what a hostile plugin returns shows up harmless — no
/// dialog, no handler, no script, no form.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PreviewFrameBrowserTests(PreviewFrameAppFixture fixture) : IClassFixture<PreviewFrameAppFixture>
{
    /// <summary>A new user, signed in in a session of their own, and their API client.</summary>
    private async Task<(BrowserSession Session, HttpClient Api)> SignInAsync()
    {
        var userName = await fixture.CreateUserAsync("frame");
        var session = await fixture.OpenSessionAsync(userName);
        await session.SignInAsync(userName, BrowserAppFixture.UserPassword);
        return (session, await fixture.ApiClientAsync(userName, BrowserAppFixture.UserPassword));
    }

    [Fact]
    public async Task The_frame_shows_generating_and_then_the_preview_in_the_same_response_without_script()
    {
        var (session, api) = await SignInAsync();
        await using (session)
        using (api)
        {
            var page = session.Page;
            using var admin = await fixture.AdminApiClientAsync();
            var (id, ext) = ("slow-" + Guid.NewGuid().ToString("N")[..8], ".x" + Guid.NewGuid().ToString("N")[..6]);
            await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.SlowPreviewSource(ext, 800)), id);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);
            var file = await FilesApi.UploadOkAsync(api, FilesApi.Utf8($"framed words {Guid.NewGuid()}"), "framed" + ext);
            var frameLoads = 0;
            page.Request += (_, request) => frameLoads += request.Url.EndsWith($"/files/{file.Id()}/preview", StringComparison.Ordinal) ? 1 : 0;

            await page.GotoAsync($"/files/{file.Id()}", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            var frame = page.FrameLocator("iframe.preview");
            await Assertions.Expect(frame.GetByText("slow v1.0.0: framed words")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(frame.Locator("#pending")).ToBeHiddenAsync();
            Assert.Equal(1, frameLoads);
            await session.ScreenshotAsync("preview-frame");
            session.AssertNothingUnexpected();
        }
    }

    [Fact]
    public async Task A_frame_still_generating_shows_so_while_it_waits()
    {
        var (session, api) = await SignInAsync();
        await using (session)
        using (api)
        {
            var page = session.Page;
            using var admin = await fixture.AdminApiClientAsync();
            var (id, ext) = ("wait-" + Guid.NewGuid().ToString("N")[..8], ".x" + Guid.NewGuid().ToString("N")[..6]);
            await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.HangingPreviewSource(ext, 30)), id);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);
            var file = await FilesApi.UploadOkAsync(api, FilesApi.Utf8("never rendered in time"), "late" + ext);

            await page.GotoAsync($"/files/{file.Id()}", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            var frame = page.FrameLocator("iframe.preview");
            await Assertions.Expect(frame.Locator("#pending")).ToHaveTextAsync("Generating preview…", new() { Timeout = 15_000 });
            // The provider is cut off after 3 s: the same response ends with the failure, shown in the frame.
            await Assertions.Expect(frame.Locator("p.message").Last).ToContainTextAsync("could not be generated", new() { Timeout = 15_000 });
            await Assertions.Expect(frame.Locator("#pending")).ToBeHiddenAsync();
            session.AssertNothingUnexpected();
        }
    }

    [Fact]
    public async Task A_hostile_plugins_preview_runs_no_script_in_the_frame()
    {
        var (session, api) = await SignInAsync();
        await using (session)
        using (api)
        {
            var page = session.Page;
            using var admin = await fixture.AdminApiClientAsync();
            var (id, ext) = ("evil-" + Guid.NewGuid().ToString("N")[..8], ".x" + Guid.NewGuid().ToString("N")[..6]);
            await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.RawHtmlPreviewSource(ext)), id);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);

            var hostile = "<h1 id=\"hostile\">Hostile</h1><img src=x onerror=\"alert('onerror')\"><script>alert('script')</script>" +
                          "<svg onload=\"alert('svg')\"></svg><a id=\"js\" href=\"javascript:alert('link')\">click</a>" +
                          "<form action=\"https://evil.example\"><input name=\"p\" type=\"password\"></form>\n===\nh1 { color: rgb(200, 0, 0) }";
            var file = await FilesApi.UploadOkAsync(api, FilesApi.Utf8(hostile), "hostile" + ext);

            await page.GotoAsync($"/files/{file.Id()}", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            var frame = page.FrameLocator("iframe.preview");
            await Assertions.Expect(frame.Locator("h1#hostile")).ToHaveTextAsync("Hostile", new() { Timeout = 15_000 });
            await Assertions.Expect(frame.Locator("h1#hostile")).ToHaveCSSAsync("color", "rgb(200, 0, 0)");
            await frame.Locator("a#js").ClickAsync();
            await page.WaitForTimeoutAsync(300);

            session.AssertNothingUnexpected();
            Assert.Equal(0, await frame.Locator("script, svg, form, input, [onerror], [onload]").CountAsync());
            Assert.Null(await frame.Locator("a#js").GetAttributeAsync("href"));
            await session.ScreenshotAsync("preview-frame-hostile");
        }
    }
}
