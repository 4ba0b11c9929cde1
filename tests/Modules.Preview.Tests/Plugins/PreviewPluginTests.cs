using System.Net;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;
using CloudService.Tests.Preview.Sanitising;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Preview.Plugins;

/// <summary>
/// Previews rendered by real plugins (compiled by the tests, hot-loaded by the runtime): the provider
/// in the key, invalidation by upgrade, deactivation and uninstall, failures, timeouts, pre-generation
/// and hostile output. Each test uses its own file extension, so the providers of other tests never accept its files.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PreviewPluginTests(PreviewAppFixture fixture) : IClassFixture<PreviewAppFixture>
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string NewExtension() => ".x" + Guid.NewGuid().ToString("N")[..6];

    private static async Task InstallAsync(HttpClient admin, string id, string version, string source)
    {
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, version, source), id);
        var activate = await PluginApi.ActivateAsync(admin, id, version);
        Assert.True(activate.StatusCode == HttpStatusCode.OK, await activate.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_plugin_preview_is_keyed_by_its_version_and_an_upgrade_renders_anew()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("echo"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.EchoPreviewSource(ext));
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8($"hello {Guid.NewGuid()}"), "doc" + ext);

        var v1 = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal($"{id}@1.0.0", v1.Header("X-Preview-Provider"));
        Assert.StartsWith("<p class=\"test-plugin\">v1.0.0: hello ", await v1.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("hit", (await PreviewTesting.GetPreviewAsync(user, file.Id())).Header("X-Preview-Cache"));

        await InstallAsync(admin, id, "2.0.0", TestPlugins.EchoPreviewSource(ext));
        var v2 = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal($"{id}@2.0.0", v2.Header("X-Preview-Provider"));
        Assert.Equal("miss", v2.Header("X-Preview-Cache"));
        Assert.StartsWith("<p class=\"test-plugin\">v2.0.0: hello ", await v2.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(v1.Headers.ETag, v2.Headers.ETag);
    }

    [Fact]
    public async Task A_deactivated_plugins_previews_are_not_served_and_uninstalling_it_purges_them()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("gone"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.EchoPreviewSource(ext));
        var bytes = FilesApi.Utf8($"plain words {Guid.NewGuid()}");
        var file = await FilesApi.UploadOkAsync(user, bytes, "doc" + ext);
        Assert.Equal($"{id}@1.0.0", (await PreviewTesting.WaitForPreviewAsync(user, file.Id())).Header("X-Preview-Provider"));

        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
        var fallback = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal("builtin-text", fallback.Header("X-Preview-Provider"));
        Assert.StartsWith("<pre class=\"text-preview\">plain words ", await fallback.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var sha = FilesApi.Sha256Hex(bytes);
        Assert.Contains($"{id}@1.0.0", await PreviewTesting.CachedProvidersAsync(fixture.Environment, sha));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/plugins/{id}")).StatusCode);
        Assert.True(await PreviewTesting.EventuallyAsync(
            async () => !(await PreviewTesting.CachedProvidersAsync(fixture.Environment, sha)).Contains($"{id}@1.0.0"), TimeSpan.FromSeconds(15)));
        Assert.Equal(["builtin-text"], await PreviewTesting.CachedProvidersAsync(fixture.Environment, sha));
    }

    [Fact]
    public async Task A_failing_provider_gets_a_502_naming_it_the_failure_is_remembered_briefly_and_audited()
    {
        await using var failures = await AmqpSubscriber.StartAsync(fixture.Environment, PreviewTesting.FailedExchange);
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("boom"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.ThrowingPreviewSource(ext));
        var bytes = FilesApi.Utf8($"anything {Guid.NewGuid()}");
        var file = await FilesApi.UploadOkAsync(user, bytes, "doc" + ext);
        var sha = FilesApi.Sha256Hex(bytes);

        var failed = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var problem = await failed.ProblemAsync();
        var detail = problem.GetProperty("detail").GetString();
        Assert.StartsWith($"{id}@1.0.0 failed: ", detail, StringComparison.Ordinal);
        Assert.Contains("renderer exploded", detail, StringComparison.Ordinal);
        Assert.Equal($"{id}@1.0.0", failed.Header("X-Preview-Provider"));
        Assert.NotNull(failed.Headers.RetryAfter);
        await failures.WaitForAsync(_ => failures.CountFor(PreviewTesting.FailedExchange, sha) >= 1, TimeSpan.FromSeconds(10));

        // Remembered: asked again at once, nothing is rendered again.
        Assert.Equal(HttpStatusCode.BadGateway, (await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 0)).StatusCode);
        var frame = await user.GetAsync($"/files/{file.Id()}/preview");
        Assert.Contains("This preview could not be generated", await frame.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.Equal(1, failures.CountFor(PreviewTesting.FailedExchange, sha));

        Assert.True(await PreviewTesting.EventuallyAsync(
            async () => (await PluginApi.LogAsync(admin, id)).Any(e => JsonSerializer.Serialize(e).Contains("renderer exploded", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15)), "the plugin's audit log does not show the failure");

        // Forgotten after the failure time-to-live (3 s here): the next view renders again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.BadGateway, (await PreviewTesting.WaitForPreviewAsync(user, file.Id())).StatusCode);
        Assert.Equal(2, (await failures.WaitForAsync(_ => failures.CountFor(PreviewTesting.FailedExchange, sha) >= 2, TimeSpan.FromSeconds(10)))
            .Count(r => r.Message.GetProperty("sha256").GetString() == sha));
    }

    [Fact]
    public async Task A_provider_that_hangs_is_cut_off_at_the_time_limit_with_a_504()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("hang"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.HangingPreviewSource(ext));
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8($"zzz {Guid.NewGuid()}"), "doc" + ext);

        var response = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains($"{id}@1.0.0 did not finish within 3 s", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_file_is_previewed_on_upload_before_anyone_asks()
    {
        await using var generated = await AmqpSubscriber.StartAsync(fixture.Environment, PreviewTesting.GeneratedExchange);
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("early"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.EchoPreviewSource(ext));
        var bytes = FilesApi.Utf8($"ready early {Guid.NewGuid()}");
        var file = await FilesApi.UploadOkAsync(user, bytes, "doc" + ext);

        var sha = FilesApi.Sha256Hex(bytes);
        await generated.WaitForAsync(_ => generated.CountFor(PreviewTesting.GeneratedExchange, sha) == 1, TimeSpan.FromSeconds(15));
        var first = await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 0);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hit", first.Header("X-Preview-Cache"));
        Assert.Equal(1, await PreviewTesting.GenerationsAsync(fixture.Environment, sha, $"{id}@1.0.0"));
    }

    [Fact]
    public async Task A_hundred_concurrent_requests_during_a_slow_render_cause_one_generation()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("slow"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.SlowPreviewSource(ext, 400));
        // Pre-generation on upload may already hold the claim when the requests come: one generation either way.
        var bytes = FilesApi.Utf8($"slow {Guid.NewGuid()}");
        var file = await FilesApi.UploadOkAsync(user, bytes, "doc" + ext);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 20_000)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, await PreviewTesting.GenerationsAsync(fixture.Environment, FilesApi.Sha256Hex(bytes), $"{id}@1.0.0"));
    }

    [Fact]
    public async Task A_hostile_plugins_output_is_sanitised_before_it_is_stored_or_framed()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = (NewId("evil"), NewExtension());
        await InstallAsync(admin, id, "1.0.0", TestPlugins.RawHtmlPreviewSource(ext));
        var hostile = string.Concat(
            HostileCorpusTests.HostileHtml().Select(row => (string)row[1]).Select(html => $"<div>{html}</div>")) +
            $"<p id=\"kept\">{Guid.NewGuid()}</p>\n===\nh1 {{ color: red }} body {{ background: url(https://evil.example/t.png) }} @import 'x.css'; </style><script>alert(1)</script>";
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(hostile), "doc" + ext);

        var response = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fragment = await response.Content.ReadAsStringAsync();
        Assert.Empty(SafetyCheck.Violations(fragment));
        Assert.Contains("<p id=\"kept\">", fragment, StringComparison.Ordinal);

        var document = await (await user.GetAsync($"/files/{file.Id()}/preview")).Content.ReadAsStringAsync();
        Assert.Contains("h1 { color: rgba(255, 0, 0, 1) }", document, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", document, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", document, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", document, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_markdown_plugins_previews_are_styled_safe_and_keep_ordinary_markdown()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        await PluginApi.UploadReadyAsync(admin, MarkdownPackage.Bytes, MarkdownPackage.Id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, MarkdownPackage.Id, MarkdownPackage.Version)).StatusCode);
        var hostile = string.Join("\n\n", HostileCorpusTests.HostileMarkdown().Select(row => (string)row[1]));
        var markdown = $"# Report {Guid.NewGuid()}\n\n| a | b |\n|--:|---|\n| **1** | [link](https://example.com) |\n\n{hostile}\n";
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(markdown), "report.md");

        var response = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{MarkdownPackage.Id}@{MarkdownPackage.Version}", response.Header("X-Preview-Provider"));
        var fragment = await response.Content.ReadAsStringAsync();
        Assert.Empty(SafetyCheck.Violations(fragment));
        Assert.Contains("<h1>Report ", fragment, StringComparison.Ordinal);
        Assert.Contains("<td style=\"text-align: right;\"><strong>1</strong></td>", fragment, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.com\">link</a>", fragment, StringComparison.Ordinal);

        var document = await (await user.GetAsync($"/files/{file.Id()}/preview")).Content.ReadAsStringAsync();
        Assert.Matches("<style>[^<]+</style><style>[^<]+</style></head>", document);
        Assert.DoesNotContain("url(", document, StringComparison.Ordinal);
    }
}
