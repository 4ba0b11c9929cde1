using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CloudService.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudService.Tests.Identity;

/// <summary>The browser's way in and out: the /login form, the cookie, and /logout.</summary>
[Trait("Category", "Integration")]
public sealed partial class CookieSignInTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string Password = "password-123";

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    public async Task Sign_in_never_sends_the_browser_to_another_site(string returnUrl)
    {
        var (_, signIn) = await SignInAsync(returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        // Browsers drop tabs and line breaks from URLs: "/\t/evil.example" would become "//evil.example".
        Assert.Equal("/files", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Sign_in_returns_to_the_local_page_it_came_from()
    {
        var (_, signIn) = await SignInAsync("/admin/users?x=1");
        Assert.Equal("/admin/users?x=1", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Signing_out_needs_the_pages_csrf_token()
    {
        var (browser, _) = await SignInAsync("/files");
        var page = await browser.GetStringAsync("/files");

        var forged = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/files")).StatusCode);

        var signOut = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(FormToken().Match(page).Groups[1].Value),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/login", signOut.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/files")).StatusCode);
    }

    [Fact]
    public async Task Creating_one_user_name_concurrently_gives_one_201_and_409s_never_a_500()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var name = "race-" + Guid.NewGuid().ToString("N")[..8];
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            admin.PostAsJsonAsync("/api/admin/users", new { userName = name, password = Password, role = "user" })));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
    }

    /// <summary>Creates a user and signs them in through the /login form with the form's CSRF token.</summary>
    private async Task<(HttpClient Browser, HttpResponseMessage SignIn)> SignInAsync(string returnUrl)
    {
        var userName = "cookie-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await fixture.App.AdminClientAsync())
        {
            (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = Password, role = "user" })).EnsureSuccessStatusCode();
        }

        var browser = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await browser.GetStringAsync("/login");
        var signIn = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(FormToken().Match(login).Groups[1].Value),
            ["userName"] = userName,
            ["password"] = Password,
            ["returnUrl"] = returnUrl,
        }));
        return (browser, signIn);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
