using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Preview.Api;

/// <summary>The preview routes with the built-in text preview: no plugin needed.</summary>
[Trait("Category", "Integration")]
public sealed class PreviewApiTests(PreviewAppFixture fixture) : IClassFixture<PreviewAppFixture>
{
    private static string UniqueText(string prefix = "") => $"{prefix}note {Guid.NewGuid()}\n";

    [Fact]
    public async Task A_text_file_is_generated_on_the_first_request_and_served_from_the_cache_after()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText("<b>bold?</b> & ")), "notes.txt");

        var miss = await PreviewTesting.GetPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("miss", miss.Header("X-Preview-Cache"));
        Assert.Equal("builtin-text", miss.Header("X-Preview-Provider"));
        Assert.Equal("text/html; charset=utf-8", miss.Content.Headers.ContentType?.ToString());
        var html = await miss.Content.ReadAsStringAsync();
        Assert.StartsWith("<pre class=\"text-preview\">&lt;b&gt;bold?&lt;/b&gt; &amp; note ", html, StringComparison.Ordinal);

        var hit = await PreviewTesting.GetPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("hit", hit.Header("X-Preview-Cache"));
        Assert.Equal(html, await hit.Content.ReadAsStringAsync());
        Assert.Equal(miss.Headers.ETag, hit.Headers.ETag);
        Assert.False(hit.Headers.ETag!.IsWeak);
        Assert.True(hit.Headers.CacheControl!.Private);
    }

    [Fact]
    public async Task Preview_responses_forbid_script_and_sniffing()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText()), "a.txt");
        var response = await PreviewTesting.GetPreviewAsync(user, file.Id());
        var csp = response.Header("Content-Security-Policy")!;
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("sandbox", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
    }

    [Fact]
    public async Task If_none_match_with_the_current_etag_is_304_without_a_body()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText()), "a.txt");
        var first = await PreviewTesting.GetPreviewAsync(user, file.Id());
        var etag = first.Headers.ETag!.ToString();

        var notModified = await PreviewTesting.GetPreviewAsync(user, file.Id(), ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag?.ToString());

        var other = await PreviewTesting.GetPreviewAsync(user, file.Id(), ifNoneMatch: "\"something-else\"");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task With_waitMs_0_a_missing_preview_is_202_with_a_status_link_that_turns_ready()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText()), "later.txt");

        var pending = await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 0);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        var body = await pending.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var statusUrl = body.GetProperty("statusUrl").GetString()!;
        Assert.Equal($"/api/files/{file.Id()}/preview/status", statusUrl);

        Assert.True(await PreviewTesting.EventuallyAsync(
            async () => (await user.GetFromJsonAsync<JsonElement>(statusUrl)).GetProperty("status").GetString() == "ready",
            TimeSpan.FromSeconds(20)));
        var ready = await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 0);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("hit", ready.Header("X-Preview-Cache"));
    }

    [Fact]
    public async Task A_type_nothing_previews_is_415_listing_the_supported_types()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, [.. FilesApi.PngHeader, .. FilesApi.RandomBytes(64, 1)], "picture.png");
        var response = await PreviewTesting.GetPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains("image/png", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var supported = problem.GetProperty("supportedTypes").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("text/*", supported);
    }

    [Fact]
    public async Task Another_users_file_and_an_unknown_id_are_404_alike()
    {
        using var owner = await fixture.App.NewUserClientAsync();
        using var stranger = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(owner, FilesApi.Utf8(UniqueText()), "private.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(owner, file.Id())).StatusCode);

        var theirs = await PreviewTesting.GetPreviewAsync(stranger, file.Id());
        var unknown = await PreviewTesting.GetPreviewAsync(stranger, Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal((await unknown.ProblemAsync()).GetProperty("title").GetString(), (await theirs.ProblemAsync()).GetProperty("title").GetString());
        Assert.Null(theirs.Header("X-Preview-Cache"));
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/files/{file.Id()}/preview/status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/files/{file.Id()}/preview")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_callers_get_401_from_the_api_and_the_sign_in_page_from_the_frame()
    {
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/files/{Guid.NewGuid()}/preview")).StatusCode);
        var frame = await anonymous.GetAsync($"/files/{Guid.NewGuid()}/preview");
        Assert.Equal(HttpStatusCode.Redirect, frame.StatusCode);
        Assert.StartsWith("/login", frame.Headers.Location?.ToString().Replace("http://localhost", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_waitMs_is_400_with_a_reason()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText()), "a.txt");
        foreach (var bad in new[] { "-1", "soon", "999999999" })
        {
            var response = await user.GetAsync($"/api/files/{file.Id()}/preview?waitMs={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("waitMs", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_long_text_file_shows_its_beginning_and_says_it_was_cut()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var text = UniqueText() + string.Concat(Enumerable.Repeat("0123456789abcdef\n", 10_000)) + "THE END";
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(text), "long.log");
        var html = await (await PreviewTesting.GetPreviewAsync(user, file.Id())).Content.ReadAsStringAsync();
        Assert.Contains("Showing the first 64 KB of", html, StringComparison.Ordinal);
        Assert.DoesNotContain("THE END", html, StringComparison.Ordinal);
        Assert.InRange(html.Length, 64 * 1024, 80 * 1024);
    }

    [Fact]
    public async Task The_frame_is_a_complete_document_with_the_preview_and_the_same_policy()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText("framed ")), "framed.txt");
        var frame = await user.GetAsync($"/files/{file.Id()}/preview");
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        var document = await frame.Content.ReadAsStringAsync();
        Assert.StartsWith("<!doctype html>", document, StringComparison.Ordinal);
        Assert.Contains("<body class=\"preview\"><pre class=\"text-preview\">framed note ", document, StringComparison.Ordinal);
        Assert.Contains("sandbox", frame.Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("nosniff", frame.Header("X-Content-Type-Options"));

        var again = new HttpRequestMessage(HttpMethod.Get, $"/files/{file.Id()}/preview");
        again.Headers.TryAddWithoutValidation("If-None-Match", frame.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await user.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task The_frame_of_an_unsupported_file_explains_it_inside_the_frame()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, [.. FilesApi.PngHeader, .. FilesApi.RandomBytes(64, 2)], "picture.png");
        var frame = await user.GetAsync($"/files/{file.Id()}/preview");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, frame.StatusCode);
        Assert.Contains("There is no preview for files of type image/png.", await frame.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hundred_concurrent_requests_for_a_missing_preview_put_it_on_the_bus_and_cause_one_generation()
    {
        await using var generated = await AmqpSubscriber.StartAsync(fixture.Environment, PreviewTesting.GeneratedExchange, PreviewTesting.RequestedExchange);
        using var user = await fixture.App.NewUserClientAsync();
        var bytes = FilesApi.Utf8(UniqueText("crowd "));
        var file = await FilesApi.UploadOkAsync(user, bytes, "crowd.txt");

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 20_000)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.ETag!.Tag).Distinct());

        var sha = FilesApi.Sha256Hex(bytes);
        await generated.WaitForAsync(r => generated.CountFor(PreviewTesting.GeneratedExchange, sha) >= 1, TimeSpan.FromSeconds(10));
        await Task.Delay(500); // a second generation, if there were one, would have been published by now
        Assert.Equal(1, generated.CountFor(PreviewTesting.GeneratedExchange, sha));
        // The miss is on the bus. (A request that looked just before the render ended may ask again; the
        // consumer then finds the preview stored, so it is still one generation.)
        Assert.InRange(generated.CountFor(PreviewTesting.RequestedExchange, sha), 1, 100);
        Assert.Equal(1, await PreviewTesting.GenerationsAsync(fixture.Environment, sha, "builtin-text"));
    }

    [Fact]
    public async Task Deleting_the_last_file_with_a_content_removes_its_previews()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var bytes = FilesApi.Utf8(UniqueText("shared "));
        var sha = FilesApi.Sha256Hex(bytes);
        var first = await FilesApi.UploadOkAsync(user, bytes, "one.txt");
        var second = await FilesApi.UploadOkAsync(user, bytes, "two.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(user, first.Id())).StatusCode);
        Assert.Equal("hit", (await PreviewTesting.GetPreviewAsync(user, second.Id())).Header("X-Preview-Cache"));

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{first.Id()}")).StatusCode);
        await Task.Delay(500);
        Assert.Equal(["builtin-text"], await PreviewTesting.CachedProvidersAsync(fixture.Environment, sha));

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{second.Id()}")).StatusCode);
        Assert.True(await PreviewTesting.EventuallyAsync(async () => (await PreviewTesting.CachedProvidersAsync(fixture.Environment, sha)).Count == 0, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task A_deleted_files_preview_is_404_to_its_owner_too()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8(UniqueText("short-lived ")), "gone.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(user, file.Id())).StatusCode);
        Assert.Equal("hit", (await PreviewTesting.GetPreviewAsync(user, file.Id())).Header("X-Preview-Cache"));

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{file.Id()}")).StatusCode);
        // The instance remembered that the owner may see the file; the deletion event makes it forget at once.
        Assert.True(await PreviewTesting.EventuallyAsync(
            async () => (await PreviewTesting.GetPreviewAsync(user, file.Id())).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5)));
    }
}
