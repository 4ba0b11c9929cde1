using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Modules.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Tests.Plugins.Runtime;

/// <summary>Issue 4: plugins are activated, upgraded and deactivated in the running app, and a broken one never takes a working one down.</summary>
[Trait("Category", "Integration")]
public sealed class HotActivationTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private const string Markdown = """
        # Notes

        Some *emphasis*, ~~old~~ text and https://example.com.

        | a | b |
        |---|---|
        | 1 | 2 |

        - [x] done
        - [ ] to do

        A claim.[^1]

        [^1]: The source.

        <script>alert(1)</script>
        """;

    [Fact]
    public async Task The_markdown_plugin_goes_from_upload_to_rendering_and_back_without_a_restart()
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, MarkdownPackage.Bytes, MarkdownPackage.Id);
        Assert.Null(app.Providers().Find(Previews.Readme));

        var activated = await PluginApi.ActivateAsync(admin, MarkdownPackage.Id);
        Assert.True(activated.StatusCode == HttpStatusCode.OK, await activated.Content.ReadAsStringAsync());
        var body = await activated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal(MarkdownPackage.Version, body.GetProperty("version").GetString());

        Assert.Equal(new("markdown-preview", MarkdownPackage.Version), app.Providers().Find(Previews.Readme));
        Assert.NotNull(app.Providers().Find(new("notes.md", "text/plain", 10)));
        Assert.Null(app.Providers().Find(new("notes.txt", "text/plain", 10)));
        Assert.Contains("text/markdown", app.Providers().SupportedMimeTypes);
        Assert.Contains("text/x-markdown", app.Providers().SupportedMimeTypes);

        var preview = await app.RenderAsync(Previews.Readme, Markdown);
        Assert.NotNull(preview);
        Assert.Contains("<h1>Notes</h1>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<del>old</del>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.com\">", preview.Html, StringComparison.Ordinal);
        Assert.Contains("<table>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("task-list-item", preview.Html, StringComparison.Ordinal);
        Assert.Contains("class=\"footnotes\"", preview.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", preview.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", preview.Html, StringComparison.Ordinal);
        Assert.Contains("border-left", preview.Stylesheet, StringComparison.Ordinal);

        var detail = await PluginApi.DetailAsync(admin, MarkdownPackage.Id);
        Assert.Equal("active", detail.GetProperty("status").GetString());
        Assert.Equal(MarkdownPackage.Version, detail.GetProperty("activeVersion").GetString());

        var deactivated = await PluginApi.DeactivateAsync(admin, MarkdownPackage.Id);
        Assert.True(deactivated.StatusCode == HttpStatusCode.OK, await deactivated.Content.ReadAsStringAsync());
        Assert.Equal("inactive", (await deactivated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        Assert.Null(app.Providers().Find(Previews.Readme));
        Assert.Null(await app.RenderAsync(Previews.Readme, Markdown));
        Assert.DoesNotContain("text/markdown", app.Providers().SupportedMimeTypes);
        Assert.Empty(app.LiveContexts(MarkdownPackage.Id));

        var log = await PluginApi.LogAsync(admin, MarkdownPackage.Id);
        var types = log.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["uploaded", "validation-started", "validated", "activated", "deactivated", "unloaded"], types);
        Assert.Contains("load context collected after", log[^1].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> BrokenVersions() =>
    [
        "register throws",
        "missing dependency",
        "type load error",
        "register times out",
        "corrupt entry assembly",
        "no parameterless constructor",
        "hook kind outside the SDK",
    ];

    [Theory]
    [MemberData(nameof(BrokenVersions))]
    public async Task A_broken_new_version_fails_with_its_reason_on_record_while_the_previous_version_keeps_serving(string broken)
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        var id = "broken-" + Guid.NewGuid().ToString("N")[..8];
        var file = new CloudService.Plugins.Sdk.PreviewFile("sample.dat", "text/x-" + id, 10);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.PreviewPluginSourceFor(file.ContentType)), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);

        var (package, expectedReason) = broken switch
        {
            "register throws" => (TestPlugins.Package(id, "2.0.0", TestPlugins.ThrowingPluginSource), "boom: the plugin refused to start"),
            "missing dependency" => (TestPlugins.PackageWithDependency(id, "2.0.0", shippedHelperSource: null), "A dependency is missing"),
            "type load error" => (TestPlugins.PackageWithDependency(id, "2.0.0", TestPlugins.HelperWithoutWidgetSource), "Type load error"),
            "register times out" => (TestPlugins.Package(id, "2.0.0", TestPlugins.SlowPluginSource), "did not return within 1 s"),
            "corrupt entry assembly" => (TestPlugins.Package(id, "2.0.0"), "Not a valid .NET assembly"),
            "no parameterless constructor" => (TestPlugins.Package(id, "2.0.0"), "no public parameterless constructor"),
            _ => (TestPlugins.Package(id, "2.0.0", TestPlugins.OwnHookKindSource), "is not a hook kind"),
        };
        await PluginApi.UploadReadyAsync(admin, package, id);
        // Validation refuses these two; the runtime must still cope when the folder changed after validation.
        var onDisk = Path.Combine(app.InstanceDataRoot, "plugins", id, "2.0.0", "TestPlugin.dll");
        if (broken == "corrupt entry assembly")
        {
            await File.WriteAllBytesAsync(onDisk, TestPlugins.Utf8("MZ but not really an assembly"));
        }
        else if (broken == "no parameterless constructor")
        {
            await File.WriteAllBytesAsync(onDisk, TestPlugins.Compile("TestPlugin", TestPlugins.NoParameterlessConstructorSource));
        }

        var failed = await PluginApi.ActivateAsync(admin, id, "2.0.0");
        var problem = await failed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failed.StatusCode);
        Assert.Contains(expectedReason, problem, StringComparison.Ordinal);

        Assert.Equal(new(id, "1.0.0"), app.Providers().Find(file));
        var preview = await app.RenderAsync(file, "still here");
        Assert.Equal("<p class=\"test-plugin\">v1.0.0: still here</p>", preview?.Html);

        var detail = await PluginApi.DetailAsync(admin, id);
        Assert.Equal("1.0.0", detail.GetProperty("activeVersion").GetString());
        Assert.Contains(expectedReason, detail.GetProperty("error").GetString(), StringComparison.Ordinal);
        var log = await PluginApi.LogAsync(admin, id);
        var failure = Assert.Single(log, e => e.GetProperty("type").GetString() == "activation-failed");
        Assert.Equal("2.0.0", failure.GetProperty("version").GetString());
        Assert.Contains(expectedReason, failure.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_that_fails_its_first_activation_is_failed_and_serves_nothing()
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        var id = "first-" + Guid.NewGuid().ToString("N")[..8];
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.ThrowingPluginSource), id);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PluginApi.ActivateAsync(admin, id)).StatusCode);

        var detail = await PluginApi.DetailAsync(admin, id);
        Assert.Equal("failed", detail.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("activeVersion").ValueKind);
        Assert.Contains("boom", detail.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task A_plugin_whose_context_stays_alive_after_unloading_is_reported_as_a_leak_in_its_audit_log()
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        var id = "leaky-" + Guid.NewGuid().ToString("N")[..8];
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.LeakyPluginSource), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);

        var unloaded = Assert.Single(await PluginApi.LogAsync(admin, id), e => e.GetProperty("type").GetString() == "unloaded");
        Assert.Equal("WARNING: unloaded on " + app.Services.GetRequiredService<PluginsOptions>().InstanceName
            + " but the load context is still alive after 4 GC rounds (a reference leak).", unloaded.GetProperty("detail").GetString());
        Assert.Single(app.LiveContexts(id));
    }

    [Fact]
    public async Task Upgrading_while_renders_run_swaps_versions_without_failing_a_single_render()
    {
        var app = fixture.App;
        using var admin = await app.AdminClientAsync();
        var id = "upgrade-" + Guid.NewGuid().ToString("N")[..8];
        var file = new CloudService.Plugins.Sdk.PreviewFile("swap.dat", "text/x-" + id, 4);
        var source = TestPlugins.PreviewPluginSourceFor(file.ContentType);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", source), id);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "2.0.0", source), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);

        var outputs = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var renderers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var preview = await app.RenderAsync(file, "data");
                    if (preview is null)
                    {
                        failures.Add("no provider");
                    }
                    else
                    {
                        outputs.Add(preview.Html);
                    }
                }
                catch (Exception e)
                {
                    failures.Add(e.Message);
                }
            }
        })).ToList();

        await Previews.EventuallyAsync(() => outputs.Count > 50, TimeSpan.FromSeconds(10));
        var upgraded = await PluginApi.ActivateAsync(admin, id, "2.0.0");
        Assert.True(upgraded.StatusCode == HttpStatusCode.OK, await upgraded.Content.ReadAsStringAsync());
        var afterSwap = outputs.Count;
        await Previews.EventuallyAsync(() => outputs.Count > afterSwap + 50, TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Task.WhenAll(renderers);

        Assert.Empty(failures);
        Assert.All(outputs, html => Assert.Matches(@"^<p class=""test-plugin"">v[12]\.0\.0: data</p>$", html));
        Assert.Contains(outputs, html => html.Contains("v1.0.0", StringComparison.Ordinal));
        Assert.Contains(outputs, html => html.Contains("v2.0.0", StringComparison.Ordinal));
        Assert.Equal(new(id, "2.0.0"), app.Providers().Find(file));

        var log = await PluginApi.LogAsync(admin, id);
        Assert.Contains(log, e => e.GetProperty("type").GetString() == "activated" && e.GetProperty("detail").GetString()!.Contains("replacing 1.0.0", StringComparison.Ordinal));
        var unloaded = Assert.Single(log, e => e.GetProperty("type").GetString() == "unloaded");
        Assert.Equal("1.0.0", unloaded.GetProperty("version").GetString());
    }
}
