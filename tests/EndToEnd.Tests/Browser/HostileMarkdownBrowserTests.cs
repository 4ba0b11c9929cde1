using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;
using CloudService.Tests.Storage;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudService.Tests.Browser;

/// <summary>The app with the real Markdown plugin uploaded and active before the first test.</summary>
public sealed class MarkdownActiveAppFixture : BrowserAppFixture
{
    protected override async Task PrepareAsync()
    {
        using var admin = await AdminApiClientAsync();
        await PluginApi.UploadReadyAsync(admin, MarkdownPackage.Bytes, MarkdownPackage.Id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, MarkdownPackage.Id)).StatusCode);
    }
}

/// <summary>
/// A Markdown file written to attack whoever previews it runs nothing in Chromium: no dialog, no
/// console message, no script error, nothing set on the page, no frame inside the frame, no popup
/// — not even when its javascript: link is clicked.
/// </summary>
[Trait("Category", "Browser")]
public sealed class HostileMarkdownBrowserTests(MarkdownActiveAppFixture fixture) : IClassFixture<MarkdownActiveAppFixture>
{
    /// <summary>Each payload would set window.top.pwned (or write to the console) and open a dialog if it ran.</summary>
    private const string Hostile = """
        # Hostile notes

        <script>window.top.pwned = 'script'; console.error('pwned by script'); alert('script')</script>

        <img src="x" onerror="window.top.pwned = 'onerror'; alert('onerror')">

        <svg onload="window.top.pwned = 'svg'; alert('svg')"><circle r="5"/></svg>

        <iframe srcdoc="<script>window.top.pwned = 'srcdoc'; parent.alert('srcdoc')</script>"></iframe>

        <a href="javascript:window.top.pwned='raw-link';alert('raw-link')">raw link</a>

        <div onmouseover="window.top.pwned = 'hover'; alert('hover')">hover here</div>

        <style>body { background: url(https://attacker.example/beacon) }</style>

        [click me](javascript:window.top.pwned='link';alert('link'))

        [spaced](  JaVaScRiPt:alert('spaced'))

        [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)

        ![picture](javascript:alert('image'))

        <javascript:alert('autolink')>

        [by reference][evil]

        [evil]: javascript:alert('reference')

        *Last line.*
        """;

    [Fact]
    public async Task A_hostile_markdown_files_preview_runs_no_script_even_when_its_links_are_clicked()
    {
        var userName = await fixture.CreateUserAsync("target");
        using var api = await fixture.ApiClientAsync(userName, BrowserAppFixture.UserPassword);
        var file = await FilesApi.UploadOkAsync(api, FilesApi.Utf8(Hostile), "hostile.md");
        await using var session = await fixture.OpenSessionAsync(userName);
        await session.SignInAsync(userName, BrowserAppFixture.UserPassword);
        var page = session.Page;

        await page.GotoAsync($"/files/{file.Id()}");
        var frame = page.FrameLocator("iframe.preview");
        await Expect(frame.Locator("h1")).ToHaveTextAsync("Hostile notes");
        await Expect(frame.Locator("em").Last).ToHaveTextAsync("Last line.");
        // Rendered by the plugin, with the raw HTML shown as text.
        await Expect(frame.Locator("body")).ToContainTextAsync("<script>window.top.pwned = 'script'");
        await Expect(frame.Locator("body")).ToHaveCSSAsync("font-size", "16px");

        await frame.GetByRole(AriaRole.Link, new() { Name = "click me" }).ClickAsync();
        await frame.GetByRole(AriaRole.Link, new() { Name = "spaced" }).ClickAsync();
        await frame.GetByRole(AriaRole.Link, new() { Name = "by reference" }).ClickAsync();
        await frame.GetByText("hover here").HoverAsync();
        // Give anything that might still run a moment to show itself.
        await page.WaitForTimeoutAsync(300);

        session.AssertNothingUnexpected();
        Assert.Empty(session.ConsoleMessages);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.pwned"));
        Assert.Equal(2, page.Frames.Count); // the page and the preview: no frame inside the frame
        Assert.Equal($"/files/{file.Id()}/preview", new Uri(page.Frames[1].Url).AbsolutePath);
        await Expect(frame.Locator("script, iframe, svg, object, embed, form, [onerror], [onload], [onmouseover]")).ToHaveCountAsync(0);
        await Expect(frame.Locator("a[href^='javascript' i], a[href^=' javascript' i], a[href^='data:' i], img[src^='javascript' i]")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("hostile-markdown");
    }

    [Fact]
    public async Task The_session_hears_dialogs_console_errors_and_script_errors_from_inside_frames()
    {
        // The hostile test trusts these listeners: here they must hear a frame that does run script.
        await using var session = await fixture.OpenSessionAsync("probe");
        await session.Page.SetContentAsync("""
            <iframe sandbox="allow-scripts allow-modals" srcdoc="<script>console.error('from the frame'); alert('frame dialog'); throw new Error('frame boom')</script>"></iframe>
            """);
        await Expect(session.Page.FrameLocator("iframe").Locator("script")).ToHaveCountAsync(1);
        for (var i = 0; i < 100 && (session.ScriptErrors.Count == 0 || session.Dialogs.Count == 0 || session.ConsoleMessages.Count == 0); i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(session.ConsoleMessages, m => m.StartsWith("error: from the frame", StringComparison.Ordinal));
        Assert.Contains("alert: frame dialog", session.Dialogs);
        Assert.Contains(session.ScriptErrors, e => e.Contains("frame boom", StringComparison.Ordinal));
        Assert.ThrowsAny<Exception>(session.AssertNothingUnexpected);
    }
}
