using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;
using CloudService.Tests.Preview;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Plugins.CsvPreview;

/// <summary>The packed CSV plugin in the real app: uploaded, validated, activated, rendering (also through the preview API), unloaded again.</summary>
[Trait("Category", "Integration")]
public sealed class CsvPluginTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private static readonly FirstPartyPackage Package = FirstPartyPackage.Csv;

    private const string Csv = "city;population;note\r\nKöln;1084831;\"Dom; Rhein\"\r\nZürich;421878;\"a \"\"quoted\"\" word\r\nover two lines\"\r\n<script>alert(1)</script>;0;x\r\n";

    [Fact]
    public void The_package_ships_sep_and_its_dependency_beside_the_plugin_but_not_the_sdk()
    {
        Assert.Equal(
            [
                "csv-preview/CloudService.CsvPreview.deps.json",
                "csv-preview/CloudService.CsvPreview.dll",
                "csv-preview/Sep.dll",
                "csv-preview/csFastFloat.dll",
                "csv-preview/plugin.json",
            ],
            Package.Entries());
    }

    [Fact]
    public async Task The_csv_plugin_goes_from_upload_to_rendering_a_csv_and_unloads_when_deactivated()
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, Package.Bytes, Package.Id);
        var csvFile = new PreviewFile("cities.csv", "text/csv", 100);
        Assert.Null(app.Providers().Find(csvFile));

        var activated = await PluginApi.ActivateAsync(admin, Package.Id);
        Assert.True(activated.StatusCode == HttpStatusCode.OK, await activated.Content.ReadAsStringAsync());
        Assert.Equal(new(Package.Id, Package.Version), app.Providers().Find(csvFile));
        Assert.Equal(new(Package.Id, Package.Version), app.Providers().Find(new("export.tsv", "text/plain", 10)));
        Assert.Null(app.Providers().Find(new("notes.txt", "text/plain", 10)));
        Assert.Contains("text/csv", app.Providers().SupportedMimeTypes);
        Assert.Contains("text/tab-separated-values", app.Providers().SupportedMimeTypes);

        var preview = await app.RenderAsync(csvFile, Csv);
        Assert.NotNull(preview);
        Assert.Contains("<p class=\"csv-summary\">3 rows · 3 columns · semicolon-separated · UTF-8</p>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">city</th>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<td>Köln</td><td class=\"csv-number\">1084831</td><td>Dom; Rhein</td>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<td>a &quot;quoted&quot; word\r\nover two lines</td>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", preview.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", preview.Html, StringComparison.Ordinal);
        Assert.Contains("position: sticky", preview.Stylesheet, StringComparison.Ordinal);

        // The same file uploaded by a user and previewed through the preview API.
        using var user = await app.NewUserClientAsync();
        var stored = await FilesApi.UploadOkAsync(user, Encoding.UTF8.GetBytes(Csv), "cities.csv");
        Assert.Equal("text/csv", stored.GetProperty("contentType").GetString());
        var served = await PreviewTesting.WaitForPreviewAsync(user, stored.Id());
        var html = await served.Content.ReadAsStringAsync();
        Assert.True(served.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal($"{Package.Id}@{Package.Version}", served.Header("X-Preview-Provider"));
        Assert.Contains("<th scope=\"col\">city</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>Köln</td><td class=\"csv-number\">1084831</td><td>Dom; Rhein</td>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);

        var deactivated = await PluginApi.DeactivateAsync(admin, Package.Id);
        Assert.True(deactivated.StatusCode == HttpStatusCode.OK, await deactivated.Content.ReadAsStringAsync());
        Assert.Null(app.Providers().Find(csvFile));
        Assert.Empty(app.LiveContexts(Package.Id));

        var log = await PluginApi.LogAsync(admin, Package.Id);
        Assert.Equal(["uploaded", "validation-started", "validated", "activated", "deactivated", "unloaded"], log.Select(e => e.GetProperty("type").GetString()));
        Assert.Matches(new Regex("load context collected after"), log[^1].GetProperty("detail").GetString()!);
    }
}
