using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudService.Tests.Browser;

/// <summary>
/// Four ready plugins uploaded out of order (their ids sort differently from their names) and two
/// whose packages failed validation.
/// </summary>
public sealed class PluginListAppFixture : BrowserAppFixture
{
    protected override async Task PrepareAsync()
    {
        using var admin = await AdminApiClientAsync();
        foreach (var (id, name) in new[] { ("hostile-15", "Hostile 15"), ("hostile-2", "Hostile 2"), ("alpha", "Alpha"), ("hostile-10", "Hostile 10") })
        {
            await PluginApi.UploadReadyAsync(admin, TestPlugins.Zip([.. TestPlugins.PackageEntries(id, "1.0.0", manifest: m => m["name"] = name)]), id);
        }

        foreach (var (id, name) in new[] { ("hostile-3", "Hostile 3"), ("broken", "Broken upload") })
        {
            // An entry that climbs out of the package's folder: accepted, then failed by validation.
            var upload = await PluginApi.UploadAsync(admin, TestPlugins.Zip([
                .. TestPlugins.PackageEntries(id, "1.0.0", manifest: m => m["name"] = name),
                ($"{id}/../../escape.txt", TestPlugins.Utf8("out")),
            ]));
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
            Assert.Equal("failed", (await PluginApi.WaitForFinalAsync(admin, id)).GetProperty("status").GetString());
        }
    }
}

/// <summary>The admin's plugin list orders plugins by name as people count, and folds failed uploads away until asked.</summary>
[Trait("Category", "Browser")]
public sealed class PluginListBrowserTests(PluginListAppFixture fixture) : IClassFixture<PluginListAppFixture>
{
    private static readonly string[] ReadyInNaturalOrder = ["Alpha", "Hostile 2", "Hostile 10", "Hostile 15"];
    private static readonly string[] AllInNaturalOrder = ["Alpha", "Broken upload", "Hostile 2", "Hostile 3", "Hostile 10", "Hostile 15"];

    [Fact]
    public async Task The_list_sorts_names_naturally_and_shows_failed_uploads_only_when_asked()
    {
        using (var api = await fixture.AdminApiClientAsync())
        {
            // The API's own order is not the natural one, so the page's order is the page's doing.
            var fromApi = (await api.GetFromJsonAsync<JsonElement[]>("/api/admin/plugins"))!.Select(p => p.GetProperty("name").GetString()).ToArray();
            Assert.Equal(AllInNaturalOrder.Order(StringComparer.Ordinal), fromApi.Order(StringComparer.Ordinal));
            Assert.NotEqual(AllInNaturalOrder, fromApi);
        }

        await using var admin = await fixture.OpenSessionAsync("admin");
        var page = admin.Page;
        await admin.SignInAsync(AppInstance.AdminUserName, AppInstance.AdminPassword);
        await page.GotoAsync("/admin/plugins");
        var names = page.Locator("#plugins tbody tr td:first-child a");
        var filter = page.Locator("#failed-filter");
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Show them" });

        await Expect(names).ToHaveTextAsync(ReadyInNaturalOrder);
        await Expect(page.Locator("#plugins [data-testid=status]")).ToHaveTextAsync(["ready", "ready", "ready", "ready"]);
        await Expect(filter).ToBeVisibleAsync();
        await Expect(page.Locator("#failed-count")).ToHaveTextAsync("2 failed uploads hidden.");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.Locator("#empty")).ToBeHiddenAsync();
        await admin.ScreenshotAsync("plugin-list-failed-hidden");

        await toggle.ClickAsync();
        await Expect(names).ToHaveTextAsync(AllInNaturalOrder);
        await Expect(page.Locator("tr[data-plugin=hostile-3] [data-testid=status]")).ToHaveTextAsync("failed");
        await Expect(page.Locator("tr[data-plugin=broken] [data-testid=status]")).ToHaveTextAsync("failed");
        await Expect(page.Locator("#failed-count")).ToHaveTextAsync("2 failed uploads shown.");
        var hide = page.GetByRole(AriaRole.Button, new() { Name = "Hide them" });
        await Expect(hide).ToHaveAttributeAsync("aria-pressed", "true");
        await admin.ScreenshotAsync("plugin-list-failed-shown");

        await hide.ClickAsync();
        await Expect(names).ToHaveTextAsync(ReadyInNaturalOrder);
        await Expect(page.Locator("#failed-count")).ToHaveTextAsync("2 failed uploads hidden.");
        admin.AssertNothingUnexpected();
    }
}
