using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Runtime;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CloudService.Tests.Browser;

/// <summary>
/// The seed's manual testing checklist (PLUGIN_SYSTEM_IMPLEMENTATION_LOG.md, "Testing Checklist"),
/// clicked through in Chromium against the real app, PostgreSQL and RabbitMQ. The steps build on each
/// other (upload, then activate, then preview...), so they are one test with named steps in order; an
/// admin and a user each have their own browser context, and neither page may log a console error
/// the step did not expect, throw, or open a dialog. Each step leaves a screenshot in test-output/browser.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PluginChecklistBrowserTests(BrowserAppFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserAppFixture>
{
    private const string PluginRow = "tr[data-plugin=\"markdown-preview\"]";

    /// <summary>Headings, a table, a code block, a blockquote and a link: what step 4 must see rendered.</summary>
    private const string ReleaseNotes = """
        # Release notes

        Version **1.0** of the *Markdown preview* renders `inline code` too.

        ## What changed

        | Area | Change | Status |
        | --- | --- | --- |
        | Preview | Markdown rendered as HTML | done |
        | Styling | The plugin's stylesheet | done |
        | Safety | A sandboxed frame | done |

        ```csharp
        var preview = await provider.RenderAsync(file, content, cancellationToken);
        Console.WriteLine(preview.Html);
        ```

        > Previews run no script: the frame is sandboxed.

        Read the [plugin guide](https://example.org/plugins) for more.
        """;

    private readonly List<BrowserSession> sessions = [];

    [Fact]
    public async Task The_seeds_testing_checklist_passes_step_by_step_in_chromium()
    {
        foreach (var old in Directory.Exists(BrowserSession.ScreenshotFolder) ? Directory.GetFiles(BrowserSession.ScreenshotFolder, "0*.png") : [])
        {
            File.Delete(old);
        }

        await using var admin = await OpenAsync("admin");
        await using var user = await OpenAsync("user");
        var readerName = "reader-" + Guid.NewGuid().ToString("N")[..6];
        await StepAsync("01-basic", () => BasicAsync(admin));
        await StepAsync("02-upload", () => UploadAsync(admin));
        await StepAsync("03-activate", () => ActivateAsync(admin));
        await StepAsync("04-preview", () => PreviewAsync(admin, user, readerName));
        await StepAsync("05-deactivate", () => DeactivateAsync(admin, user));
        await StepAsync("06-errors", () => ErrorsAsync(admin));
    }

    /// <summary>Checklist 1: the admin signs in, opens Plugins, sees the upload button and an empty list.</summary>
    private static async Task BasicAsync(BrowserSession admin)
    {
        var page = admin.Page;
        await admin.SignInAsync(AppInstance.AdminUserName, AppInstance.AdminPassword);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Plugins" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/plugins$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Plugins", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Upload plugin" })).ToBeEnabledAsync();
        await Expect(page.GetByText("No plugins yet. Upload a package to add one.")).ToBeVisibleAsync();
        await Expect(page.Locator("#plugins tbody tr")).ToHaveCountAsync(0);
        await Expect(page.Locator("#upload-progress-row")).ToBeHiddenAsync();
        await admin.ScreenshotAsync("01-basic");
    }

    /// <summary>
    /// Checklist 2: the package goes up through the form with a visible progress bar, validation is
    /// followed live to "ready" on the same page (no navigation, no reload), the detail page shows the
    /// manifest, and the audit log says who uploaded it.
    /// </summary>
    private async Task UploadAsync(BrowserSession admin)
    {
        var page = admin.Page;
        var navigations = 0;
        var progressStreams = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;
        page.Request += (_, request) => progressStreams += request.Url.EndsWith("/api/admin/plugins/markdown-preview/progress", StringComparison.Ordinal) ? 1 : 0;
        await page.EvaluateAsync(RecordPlugInPageScript);

        // 200 KB over loopback arrive in one piece; at 100 KB/s the bar has something to show.
        var cdp = await admin.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", Throttle(uploadBytesPerSecond: 100 * 1024));
        var package = Path.Combine(RepositoryRoot.Path, "artifacts", "plugins", $"{MarkdownPackage.Id}-{MarkdownPackage.Version}.zip");
        _ = MarkdownPackage.Bytes; // says how to build it when it is missing
        await page.Locator("#package").SetInputFilesAsync(package);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload plugin" }).ClickAsync();
        await Expect(page.Locator("#upload-progress-row")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => window.uploadProgress.some(p => p >= 30)");
        await admin.ScreenshotAsync("02-upload-progress");
        var row = page.Locator(PluginRow);
        await Expect(row.Locator("[data-testid=status]")).ToHaveTextAsync("ready", new() { Timeout = 30_000 });
        await Expect(page.Locator("#upload-result")).ToHaveTextAsync("markdown-preview 1.0.0 is valid and ready to activate.");
        await cdp.SendAsync("Network.emulateNetworkConditions", Throttle(uploadBytesPerSecond: -1));
        await Expect(page.Locator("#upload-progress-row")).ToBeHiddenAsync();
        var seen = await page.EvaluateAsync<JsonElement>("() => ({ marker: window.checklistMarker, progress: window.uploadProgress, shown: window.uploadProgressShown, statuses: window.pluginStatuses })");
        var progress = seen.GetProperty("progress").EnumerateArray().Select(v => v.GetInt32()).ToList();
        output.WriteLine($"upload progress values: {string.Join(", ", progress)}; statuses shown: {seen.GetProperty("statuses")}");
        Assert.Equal("still the same page", seen.GetProperty("marker").GetString());
        Assert.Equal(0, navigations);
        Assert.True(seen.GetProperty("shown").GetBoolean(), "the upload progress row never became visible");
        Assert.Equal(100, progress.LastOrDefault());
        Assert.Contains(progress, p => p is > 0 and < 100);
        Assert.True(progress.SequenceEqual(progress.Order()), "the upload progress went backwards: " + string.Join(", ", progress));
        Assert.True(progressStreams >= 1, "the page did not follow the validation progress stream");
        Assert.Equal("ready", seen.GetProperty("statuses").EnumerateArray().Last().GetString());
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("1.0.0");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("CloudService");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Activate", Exact = true })).ToBeEnabledAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Deactivate" })).ToBeDisabledAsync();
        await Expect(row.Locator("td.progress")).ToBeEmptyAsync();
        await admin.ScreenshotAsync("02-upload");

        await row.GetByRole(AriaRole.Link, new() { Name = "Markdown preview" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/plugins/markdown-preview$"));
        await Expect(page.Locator("#title")).ToHaveTextAsync("Markdown preview 1.0.0");
        await Expect(page.Locator("#status")).ToHaveTextAsync("ready");
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "plugins", "MarkdownPreview", "plugin.json"))).RootElement;
        foreach (var field in new[] { "id", "name", "version", "author", "description", "entryAssembly", "sdkVersion" })
        {
            await Expect(page.Locator($"#manifest dd[data-field={field}]")).ToHaveTextAsync(manifest.GetProperty(field).GetString()!);
        }

        await Expect(page.Locator("#manifest dd[data-field=mimeTypes]")).ToHaveTextAsync(
            string.Join(", ", manifest.GetProperty("mimeTypes").EnumerateArray().Select(m => m.GetString())));
        await Expect(page.Locator("#manifest dd[data-field=homepage]")).ToHaveTextAsync("—");
        await ExpectLogEntryAsync(page, "uploaded", "markdown-preview-1.0.0.zip");
        await ExpectLogEntryAsync(page, "validated", "Valid: Markdown preview by CloudService");
        await admin.ScreenshotAsync("02-upload-manifest");
    }

    /// <summary>Checklist 3: Activate turns the plugin active in the running app, and the log says so.</summary>
    private static async Task ActivateAsync(BrowserSession admin)
    {
        var page = admin.Page;
        await page.EvaluateAsync("() => { window.checklistMarker = 'still the same page'; }");
        await page.GetByRole(AriaRole.Button, new() { Name = "Activate", Exact = true }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("active");
        await Expect(page.Locator("#action-result")).ToHaveTextAsync("Activated 1.0.0.");
        await ExpectLogEntryAsync(page, "activated", "Activated on");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Activate", Exact = true })).ToBeDisabledAsync();
        Assert.Equal("still the same page", await page.EvaluateAsync<string>("() => window.checklistMarker"));
        await admin.ScreenshotAsync("03-activate");

        await page.GetByRole(AriaRole.Link, new() { Name = "← All plugins" }).ClickAsync();
        await Expect(page.Locator(PluginRow).Locator("[data-testid=status]")).ToHaveTextAsync("active");
        await admin.ScreenshotAsync("03-activate-list");
    }

    /// <summary>
    /// Checklist 4: the admin creates a user on the Users page; the user uploads a Markdown file on the
    /// files page, opens it and sees it rendered by the plugin, with the plugin's stylesheet — not as text.
    /// </summary>
    private static async Task PreviewAsync(BrowserSession admin, BrowserSession user, string readerName)
    {
        await admin.Page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/admin/users$"));
        await admin.Page.GetByLabel("User name").FillAsync(readerName);
        await admin.Page.GetByLabel("Password").FillAsync(BrowserAppFixture.UserPassword);
        await admin.Page.GetByLabel("Role").SelectOptionAsync("user");
        await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(admin.Page.Locator("#create-user-result")).ToHaveTextAsync($"Created {readerName}.");
        await Expect(admin.Page.Locator("#users tbody tr", new() { HasText = readerName }).Locator("td").Nth(1)).ToHaveTextAsync("user");
        await admin.ScreenshotAsync("04-preview-user-created");

        await user.SignInAsync(readerName, BrowserAppFixture.UserPassword);
        await Expect(user.Page).ToHaveURLAsync(new Regex("/files$"));
        var fileId = await UploadThroughFilesPageAsync(user, "release-notes.md", ReleaseNotes, "04-preview-files");

        var frame = user.Page.FrameLocator("iframe.preview");
        await Expect(frame.Locator("h1")).ToHaveTextAsync("Release notes");
        await Expect(frame.Locator("h2")).ToHaveTextAsync("What changed");
        await Expect(frame.Locator("table thead th")).ToHaveTextAsync(["Area", "Change", "Status"]);
        await Expect(frame.Locator("table tbody tr")).ToHaveCountAsync(3);
        await Expect(frame.Locator("table tbody td").First).ToHaveTextAsync("Preview");
        await Expect(frame.Locator("pre > code")).ToContainTextAsync("var preview = await provider.RenderAsync(file, content, cancellationToken);");
        await Expect(frame.Locator("blockquote")).ToHaveTextAsync("Previews run no script: the frame is sandboxed.");
        await Expect(frame.Locator("a[href=\"https://example.org/plugins\"]")).ToHaveTextAsync("plugin guide");
        await Expect(frame.Locator("p strong")).ToHaveTextAsync("1.0");
        await Expect(frame.Locator("pre.text-preview")).ToHaveCountAsync(0);
        await Expect(frame.Locator("body")).Not.ToContainTextAsync("# Release notes");

        // Values only the plugin's stylesheet gives (the frame's base style differs in each of them).
        await Expect(frame.Locator("body")).ToHaveCSSAsync("font-size", "16px");
        await Expect(frame.Locator("h1")).ToHaveCSSAsync("border-bottom", "1px solid rgb(209, 217, 224)");
        await Expect(frame.Locator("blockquote")).ToHaveCSSAsync("border-left", "4px solid rgb(209, 217, 224)");
        await Expect(frame.Locator("table th").First).ToHaveCSSAsync("background-color", "rgb(246, 248, 250)");
        await Expect(frame.Locator("table td").First).ToHaveCSSAsync("border-top", "1px solid rgb(209, 217, 224)");
        await Expect(frame.Locator("table tbody tr").Nth(0)).ToHaveCSSAsync("background-color", "rgba(0, 0, 0, 0)");
        await Expect(frame.Locator("table tbody tr").Nth(1)).ToHaveCSSAsync("background-color", "rgb(246, 248, 250)");
        await Expect(frame.Locator("p code")).ToHaveCSSAsync("background-color", "rgb(239, 241, 243)");
        await Expect(frame.Locator("pre")).ToHaveCSSAsync("padding", "16px");
        await Expect(frame.Locator("a[href]")).ToHaveCSSAsync("color", "rgb(9, 105, 218)");

        var api = await user.Context.APIRequest.GetAsync($"/api/files/{fileId}/preview");
        Assert.Equal(200, api.Status);
        Assert.Equal($"{MarkdownPackage.Id}@{MarkdownPackage.Version}", api.Headers["x-preview-provider"]);
        await user.ScreenshotAsync("04-preview");
    }

    /// <summary>
    /// Checklist 5: Deactivate takes the plugin out of the running app; a Markdown file uploaded after it
    /// is previewed as plain text, and the log says who deactivated it.
    /// </summary>
    private static async Task DeactivateAsync(BrowserSession admin, BrowserSession user)
    {
        var page = admin.Page;
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Plugins" }).ClickAsync();
        await page.Locator(PluginRow).GetByRole(AriaRole.Link, new() { Name = "Markdown preview" }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("active");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("inactive");
        await Expect(page.Locator("#action-result")).ToHaveTextAsync("Deactivated.");
        await ExpectLogEntryAsync(page, "deactivated", "Deactivated.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Activate", Exact = true })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" })).ToBeDisabledAsync();
        await admin.ScreenshotAsync("05-deactivate");

        await user.Page.GetByRole(AriaRole.Link, new() { Name = "← My files" }).ClickAsync();
        const string text = "# After deactivation\n\n> quoted, but only as text\n\n| a | b |\n| - | - |\n| 1 | 2 |\n";
        var fileId = await UploadThroughFilesPageAsync(user, "after-deactivation.md", text);
        var frame = user.Page.FrameLocator("iframe.preview");
        await Expect(frame.Locator("pre.text-preview")).ToHaveTextAsync(text.TrimEnd('\n'));
        await Expect(frame.Locator("h1, table, blockquote")).ToHaveCountAsync(0);
        var api = await user.Context.APIRequest.GetAsync($"/api/files/{fileId}/preview");
        Assert.Equal(200, api.Status);
        Assert.Equal("builtin-text", api.Headers["x-preview-provider"]);
        await user.ScreenshotAsync("05-deactivate-plain-text");
    }

    /// <summary>
    /// Checklist 6: a ZIP without plugin.json is refused with a clear message on the page, the refusal is
    /// recorded (the "Refused uploads" table), and no plugin comes of it.
    /// </summary>
    private async Task ErrorsAsync(BrowserSession admin)
    {
        var page = admin.Page;
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Plugins" }).ClickAsync();
        await Expect(page.Locator("#rejected-card")).ToBeHiddenAsync();
        var broken = TestPlugins.Zip(
            ("broken-plugin/README.md", TestPlugins.Utf8("A plugin folder without its plugin.json.")),
            ("broken-plugin/Broken.dll", TestPlugins.Compile("Broken", TestPlugins.PreviewPluginSource)));
        admin.ExpectFailedResponse(400, "/api/admin/plugins", "the refused upload answers 400");
        await page.Locator("#package").SetInputFilesAsync(new FilePayload { Name = "broken-plugin.zip", MimeType = "application/zip", Buffer = broken });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload plugin" }).ClickAsync();

        var result = page.Locator("#upload-result");
        await Expect(result).ToHaveClassAsync("error");
        await Expect(result).ToContainTextAsync("Upload refused:");
        await Expect(result).ToContainTextAsync("plugin.json");
        var refused = page.Locator("#rejected tbody tr");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Refused uploads" })).ToBeVisibleAsync();
        await Expect(refused).ToHaveCountAsync(1);
        await Expect(refused.Locator("td").Nth(1)).ToHaveTextAsync(AppInstance.AdminUserName);
        await Expect(refused.Locator("td").Nth(2)).ToHaveTextAsync("broken-plugin.zip");
        await Expect(refused.Locator("td").Nth(3)).ToContainTextAsync("plugin.json");
        await Expect(page.Locator("#plugins tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator(PluginRow).Locator("[data-testid=status]")).ToHaveTextAsync("inactive");

        using var api = await fixture.AdminApiClientAsync();
        var plugins = await api.GetFromJsonAsync<JsonElement[]>("/api/admin/plugins");
        Assert.Equal(["markdown-preview"], plugins!.Select(p => p.GetProperty("pluginId").GetString()));
        await admin.ScreenshotAsync("06-errors");
    }

    [Fact]
    public async Task A_signed_in_non_admin_gets_the_not_allowed_page_instead_of_any_admin_page()
    {
        var userName = await fixture.CreateUserAsync("nosy");
        await using var user = await fixture.OpenSessionAsync(userName);
        await user.SignInAsync(userName, BrowserAppFixture.UserPassword);
        user.ExpectFailedResponse(403, "/forbidden", "the Not allowed page answers 403");
        var nav = user.Page.GetByRole(AriaRole.Navigation);
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "My files" })).ToBeVisibleAsync();
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Plugins" })).ToHaveCountAsync(0);
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Jobs" })).ToHaveCountAsync(0);

        foreach (var path in new[] { "/admin/plugins", "/admin/users", "/hangfire", "/admin/plugins/markdown-preview", "/hangfire/jobs/enqueued" })
        {
            var response = await user.Page.GotoAsync(path);
            Assert.Equal(403, response!.Status);
            await Expect(user.Page).ToHaveURLAsync(new Regex("/forbidden\\?ReturnUrl="));
            await Expect(user.Page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
            await Expect(user.Page.Locator("#upload-form, #plugins, #create-user, #users, #plugin")).ToHaveCountAsync(0);
            await Expect(user.Page.Locator("body")).Not.ToContainTextAsync("CloudService jobs");
        }

        var api = await user.Context.APIRequest.GetAsync("/api/admin/plugins");
        Assert.Equal(403, api.Status);
        await user.ScreenshotAsync("non-admin-not-allowed");
        user.AssertNothingUnexpected();
    }

    private async Task<BrowserSession> OpenAsync(string name)
    {
        var session = await fixture.OpenSessionAsync(name);
        sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Runs a step and checks that no page said anything unexpected during it; when it fails, says which
    /// step, and leaves a screenshot of every page as it was.
    /// </summary>
    private async Task StepAsync(string name, Func<Task> step)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await step();
            foreach (var session in sessions)
            {
                session.AssertNothingUnexpected();
            }
        }
        catch (Exception e)
        {
            foreach (var session in sessions)
            {
                try
                {
                    await session.ScreenshotAsync($"{name}-FAILED-{session.Name}");
                }
                catch (PlaywrightException)
                {
                    // The failure is what matters.
                }
            }

            var said = string.Join("\n", sessions.SelectMany(s => s.ConsoleMessages.Select(m => $"[{s.Name}] {m}")));
            throw new Xunit.Sdk.XunitException($"Checklist step {name} failed: {e.Message}\nConsole so far:\n{said}", e);
        }

        output.WriteLine($"{name}: {watch.ElapsedMilliseconds} ms");
    }

    /// <summary>Uploads through the form on /files and opens the new file's page; returns its id.</summary>
    private static async Task<Guid> UploadThroughFilesPageAsync(BrowserSession user, string name, string text, string? screenshot = null)
    {
        var page = user.Page;
        await page.Locator("#file").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes(text) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        await Expect(page.Locator("#upload-result")).ToHaveTextAsync($"Uploaded {name}.");
        if (screenshot is not null)
        {
            await user.ScreenshotAsync(screenshot);
        }

        await page.Locator("#files tbody").GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await Expect(page.Locator("#name")).ToHaveTextAsync(name);
        await Expect(page.Locator("#content-type")).ToHaveTextAsync("text/markdown");
        return Guid.Parse(await page.Locator("#file").GetAttributeAsync("data-file-id") ?? "");
    }

    /// <summary>The audit log on the plugin's page has an entry of this type by the admin whose detail says <paramref name="detail"/>.</summary>
    private static async Task ExpectLogEntryAsync(IPage page, string type, string detail)
    {
        var entry = page.Locator($"#log tbody tr[data-type=\"{type}\"]");
        await Expect(entry).ToHaveCountAsync(1);
        await Expect(entry.Locator("td").Nth(1)).ToHaveTextAsync(type);
        await Expect(entry.Locator("td").Nth(2)).ToHaveTextAsync(AppInstance.AdminUserName);
        await Expect(entry.Locator("td").Nth(3)).ToHaveTextAsync("1.0.0");
        await Expect(entry.Locator("td").Nth(4)).ToContainTextAsync(detail);
    }

    private static Dictionary<string, object> Throttle(int uploadBytesPerSecond) => new()
    {
        ["offline"] = false,
        ["latency"] = 0,
        ["downloadThroughput"] = -1,
        ["uploadThroughput"] = uploadBytesPerSecond,
    };

    /// <summary>
    /// Leaves a marker that a reload or navigation would lose, and records what the page shows while it
    /// works: every value of the upload progress bar (the value attribute reflects the property the
    /// page sets), whether its row was shown, and each status the plugin's row displayed.
    /// </summary>
    private const string RecordPlugInPageScript = """
        () => {
          window.checklistMarker = 'still the same page';
          window.uploadProgress = [];
          window.uploadProgressShown = false;
          window.pluginStatuses = [];
          const bar = document.getElementById('upload-progress'), row = document.getElementById('upload-progress-row');
          new MutationObserver(() => window.uploadProgress.push(Number(bar.value))).observe(bar, { attributes: true, attributeFilter: ['value'] });
          new MutationObserver(() => { if (!row.hidden) window.uploadProgressShown = true; }).observe(row, { attributes: true, attributeFilter: ['hidden'] });
          new MutationObserver(() => {
            const status = document.querySelector('tr[data-plugin="markdown-preview"] [data-testid=status]')?.textContent;
            if (status && window.pluginStatuses.at(-1) !== status) window.pluginStatuses.push(status);
          }).observe(document.querySelector('#plugins tbody'), { subtree: true, childList: true, characterData: true });
        }
        """;
}
