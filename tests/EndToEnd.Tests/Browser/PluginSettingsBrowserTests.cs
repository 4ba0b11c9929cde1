using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudService.Tests.Browser;

/// <summary>The admin edits a plugin's settings in a form generated from its schema (API.md, "Settings"; issue 15).</summary>
[Trait("Category", "Browser")]
public sealed class PluginSettingsBrowserTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    [Fact]
    public async Task The_form_follows_the_schema_shows_errors_by_field_and_never_shows_a_secret_again()
    {
        var (id, ext) = ($"form-{Guid.NewGuid():N}"[..12], ".f" + Guid.NewGuid().ToString("N")[..6]);
        using (var api = await fixture.AdminApiClientAsync())
        {
            await PluginApi.UploadReadyAsync(api, TestPlugins.SettingsEchoPackage(id, "1.0.0", ext, TestPlugins.ExampleSettingsSchema), id);
            Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(api, id)).StatusCode);
        }

        await using var admin = await fixture.OpenSessionAsync("admin");
        var page = admin.Page;
        await admin.SignInAsync(AppInstance.AdminUserName, AppInstance.AdminPassword);
        await page.GotoAsync($"/admin/plugins/{id}");
        var form = page.Locator("#settings-form");
        await Expect(form).ToBeVisibleAsync();

        // Defaults filled in; a select for the enum; a password field for the secret.
        await Expect(Field(page, "/greeting").Locator("input")).ToHaveValueAsync("hello");
        await Expect(Field(page, "/retries").Locator("input")).ToHaveValueAsync("3");
        await Expect(Field(page, "/mode").Locator("select option")).ToHaveTextAsync(["—", "fast", "safe"]);
        await Expect(Field(page, "/apiKey").Locator("input")).ToHaveAttributeAsync("type", "password");

        await Field(page, "/greeting").Locator("input").FillAsync("from the form");
        await Field(page, "/retries").Locator("input").FillAsync("11");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add entry" }).ClickAsync();
        await Field(page, "/targets/0/url").Locator("input").FillAsync("https://example.com/hook");
        await Field(page, "/targets/0/secret").Locator("input").FillAsync("form-secret");
        await Field(page, "/apiKey").Locator("input").FillAsync("key-from-form");

        // The server refuses 11; the message sits under the field, and nothing was saved.
        admin.ExpectFailedResponse(422, $"/api/admin/plugins/{id}/settings", "the test saves a value the schema refuses");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(Field(page, "/retries").Locator(".field-errors li")).ToHaveCountAsync(1);
        await admin.ScreenshotAsync("plugin-settings-refused");
        await Expect(page.Locator("#settings-result")).ToHaveClassAsync("error");
        using var api2 = await fixture.AdminApiClientAsync();
        Assert.Equal("hello", (await SettingsAsync(api2, id))["greeting"]!.GetValue<string>());

        await Field(page, "/retries").Locator("input").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.Locator("#settings-result")).ToContainTextAsync("Saved.");
        await Expect(Field(page, "/apiKey").Locator("input")).ToHaveValueAsync("");

        var saved = await SettingsAsync(api2, id);
        Assert.Equal("from the form", saved["greeting"]!.GetValue<string>());
        Assert.Equal(5, saved["retries"]!.GetValue<int>());
        Assert.Equal("********", saved["targets"]![0]!["secret"]!.GetValue<string>());

        // The form shows the secrets as stored, not their values; saving again keeps them.
        await Expect(Field(page, "/apiKey").Locator("input")).ToHaveValueAsync("");
        await Expect(Field(page, "/apiKey").Locator("input")).ToHaveAttributeAsync("placeholder", "unchanged (type to replace)");
        Assert.DoesNotContain("form-secret", await page.ContentAsync(), StringComparison.Ordinal);
        await Field(page, "/greeting").Locator("input").FillAsync("again");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(Field(page, "/greeting").Locator("input")).ToHaveValueAsync("again");
        await Expect(page.Locator("#settings-result")).ToContainTextAsync("Saved.");
        Assert.True(await Previews.EventuallyAsync(async () => (await SettingsAsync(api2, id))["greeting"]!.GetValue<string>() == "again", TimeSpan.FromSeconds(5)));

        var seen = (await fixture.App.RenderAsync(new PreviewFile("x" + ext, "text/plain", 1), "x"))!.Html!;
        var values = JsonNode.Parse(WebUtility.HtmlDecode(seen[(seen.IndexOf(' ', StringComparison.Ordinal) + 1)..^"</p>".Length]))!;
        Assert.Equal("again", values["greeting"]!.GetValue<string>());
        Assert.Equal("key-from-form", values["apiKey"]!.GetValue<string>());
        Assert.Equal("form-secret", values["targets"]![0]!["secret"]!.GetValue<string>());
        admin.AssertNothingUnexpected();
    }

    private static ILocator Field(IPage page, string pointer) => page.Locator($"#settings-form [data-pointer=\"{pointer}\"]");

    private static async Task<JsonObject> SettingsAsync(HttpClient api, string id) =>
        (await api.GetFromJsonAsync<JsonObject>($"/api/admin/plugins/{id}/settings"))!;
}
