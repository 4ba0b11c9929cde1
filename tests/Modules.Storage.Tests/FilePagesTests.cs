using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudService.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudService.Tests.Storage;

/// <summary>The pages as a browser gets them: signed in with the cookie, calling the API with the page's CSRF token.</summary>
[Trait("Category", "Integration")]
public sealed partial class FilePagesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private AppInstance App => fixture.App;

    [Fact]
    public async Task A_signed_in_browser_uploads_with_the_pages_csrf_token_and_sees_the_detail_page_with_a_sandboxed_preview()
    {
        var (browser, csrf) = await SignInWithCookieAsync();
        var list = await browser.GetStringAsync("/files");
        Assert.Contains("id=\"upload-form\"", list, StringComparison.Ordinal);
        Assert.Contains("<progress id=\"upload-progress\"", list, StringComparison.Ordinal);

        var bytes = FilesApi.Utf8("# Page test\n");
        var refused = await FilesApi.UploadAsync(browser, bytes, "page.md");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("CSRF", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        browser.DefaultRequestHeaders.Add("X-CSRF-TOKEN", csrf);
        var file = await FilesApi.UploadOkAsync(browser, bytes, "page<b>.md");
        var detail = await browser.GetAsync($"/files/{file.Id()}");
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var html = await detail.Content.ReadAsStringAsync();
        Assert.Contains("page&lt;b&gt;.md", html, StringComparison.Ordinal);
        Assert.DoesNotContain("page<b>.md", html, StringComparison.Ordinal);
        Assert.Contains(FilesApi.Sha256Hex(bytes), html, StringComparison.Ordinal);
        Assert.Contains("text/markdown", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/files/{file.Id()}/content\"", html, StringComparison.Ordinal);
        Assert.Contains($"<iframe class=\"preview\" sandbox src=\"/files/{file.Id()}/preview\" title=\"Preview\"></iframe>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("allow-scripts", html, StringComparison.Ordinal);

        Assert.Equal(bytes, await browser.GetByteArrayAsync($"/api/files/{file.Id()}/content"));
        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync($"/api/files/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/files/{file.Id()}")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_visitors_of_the_file_pages_are_sent_to_sign_in()
    {
        using var anonymous = App.AnonymousClient();
        foreach (var page in new[] { "/files", $"/files/{Guid.NewGuid()}" })
        {
            var response = await anonymous.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            // Relative since issue 23 (no Host header copied into redirects); resolved the way a browser would.
            Assert.StartsWith("/login", new Uri(anonymous.BaseAddress!, response.Headers.Location!).PathAndQuery, StringComparison.Ordinal);
        }
    }

    private async Task<(HttpClient Client, string Csrf)> SignInWithCookieAsync()
    {
        var userName = "page-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await App.AdminClientAsync())
        {
            (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = "password-123", role = "user" })).EnsureSuccessStatusCode();
        }

        var browser = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await browser.GetStringAsync("/login");
        var formToken = FormToken().Match(login).Groups[1].Value;
        var signIn = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(formToken),
            ["userName"] = userName,
            ["password"] = "password-123",
            ["returnUrl"] = "/files",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var page = await browser.GetStringAsync("/files");
        return (browser, WebUtility.HtmlDecode(MetaToken().Match(page).Groups[1].Value));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\">")]
    private static partial Regex MetaToken();
}
