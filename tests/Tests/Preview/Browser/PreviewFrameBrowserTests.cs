using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CloudService.Tests.Preview.Browser;

/// <summary>
/// The app on a real port, for a real Chromium. Nothing is rendered ahead and nothing is waited for before
/// answering (DefaultWait 0), so a frame always starts with "Generating preview…".
/// </summary>
public sealed class BrowserAppFixture : IAsyncLifetime
{
    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        var settings = PreviewTesting.Settings(Environment);
        settings["CloudService:Preview:DefaultWait"] = "00:00:00";
        settings["CloudService:Preview:PregenerateOnUpload"] = "false";
        App = new AppInstance(Environment, "a", settings);
        App.UseKestrel(0);
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

/// <summary>
/// The file page's sandboxed preview frame in Chromium: while a preview is generated it says so and
/// then shows it, without script or reload; what a hostile plugin returns shows up harmless — no
/// dialog, no handler, no script, no form.
/// </summary>
public sealed class PreviewFrameBrowserTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    private static readonly string Chromium = System.Environment.GetEnvironmentVariable("CLOUDSERVICE_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private async Task<(HttpClient Api, IPlaywright Playwright, IBrowser Browser, IPage Page)> SignInAsync()
    {
        var userName = "frame-" + Guid.NewGuid().ToString("N")[..8];
        const string password = "password-123";
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress };
        var adminToken = await TokenAsync(http, AppInstance.AdminUserName, AppInstance.AdminPassword);
        using (var create = new HttpRequestMessage(HttpMethod.Post, "/api/admin/users") { Content = JsonContent.Create(new { userName, password, role = "user" }) })
        {
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            (await http.SendAsync(create)).EnsureSuccessStatusCode();
        }

        var api = new HttpClient { BaseAddress = fixture.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(api, userName, password));

        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { BaseURL = fixture.BaseAddress.ToString() });
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=userName]", userName);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        return (api, playwright, browser, page);
    }

    private async Task<HttpClient> AdminAsync()
    {
        var admin = new HttpClient { BaseAddress = fixture.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(admin, AppInstance.AdminUserName, AppInstance.AdminPassword));
        return admin;
    }

    private static async Task<string> TokenAsync(HttpClient http, string userName, string password)
    {
        var response = await http.PostAsJsonAsync("/api/auth/token", new { userName, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task The_frame_shows_generating_and_then_the_preview_in_the_same_response_without_script()
    {
        var (api, playwright, browser, page) = await SignInAsync();
        try
        {
            using var admin = await AdminAsync();
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
            Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "test-output"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryRoot.Path, "test-output", "preview-frame.png"), FullPage = true });
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            api.Dispose();
        }
    }

    [Fact]
    public async Task A_frame_still_generating_shows_so_while_it_waits()
    {
        var (api, playwright, browser, page) = await SignInAsync();
        try
        {
            using var admin = await AdminAsync();
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
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            api.Dispose();
        }
    }

    [Fact]
    public async Task A_hostile_plugins_preview_runs_no_script_in_the_frame()
    {
        var (api, playwright, browser, page) = await SignInAsync();
        try
        {
            using var admin = await AdminAsync();
            var (id, ext) = ("evil-" + Guid.NewGuid().ToString("N")[..8], ".x" + Guid.NewGuid().ToString("N")[..6]);
            await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.RawHtmlPreviewSource(ext)), id);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);

            var dialogs = new List<string>();
            page.Dialog += async (_, dialog) =>
            {
                dialogs.Add(dialog.Message);
                await dialog.DismissAsync();
            };
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

            Assert.Empty(dialogs);
            Assert.Equal(0, await frame.Locator("script, svg, form, input, [onerror], [onload]").CountAsync());
            Assert.Null(await frame.Locator("a#js").GetAttributeAsync("href"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(RepositoryRoot.Path, "test-output", "preview-frame-hostile.png"), FullPage = true });
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            api.Dispose();
        }
    }
}
