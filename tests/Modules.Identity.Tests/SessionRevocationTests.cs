using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudService.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudService.Tests.Identity;

/// <summary>Signing out ends the session on the server: a copied cookie or token is worthless afterwards.</summary>
[Trait("Category", "Integration")]
public sealed partial class SessionRevocationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string Password = "password-123";

    [Fact]
    public async Task A_cookie_copied_before_logout_no_longer_works_after_it()
    {
        var userName = await CreateUserAsync();
        var (browser, cookie) = await SignInWithCookieAsync(userName, Password);
        using var thief = ClientWithCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/files")).StatusCode);

        var page = await browser.GetStringAsync("/files");
        var signOut = await browser.PostAsync("/logout", Form(("__RequestVerificationToken", FormTokenOf(page))));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await thief.GetAsync("/files")).StatusCode);
    }

    [Fact]
    public async Task A_bearer_token_stops_working_after_its_logout_and_other_sessions_stay()
    {
        var userName = await CreateUserAsync();
        using var first = await fixture.App.ClientForAsync(userName, Password);
        using var second = await fixture.App.ClientForAsync(userName, Password);

        Assert.Equal(HttpStatusCode.NoContent, (await first.PostAsync("/api/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/files")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_cookie_and_token_of_the_user_only()
    {
        var userName = await CreateUserAsync();
        using var token = await fixture.App.ClientForAsync(userName, Password);
        var (_, cookie) = await SignInWithCookieAsync(userName, Password);
        using var cookieClient = ClientWithCookie(cookie);
        using var other = await fixture.App.NewUserClientAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await token.PostAsync("/api/auth/logout-everywhere", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cookieClient.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/files")).StatusCode);
        using var again = await fixture.App.ClientForAsync(userName, Password);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/files")).StatusCode);
    }

    [Fact]
    public async Task A_new_password_ends_every_session_and_only_the_new_password_signs_in()
    {
        var userName = await CreateUserAsync();
        using var session = await fixture.App.ClientForAsync(userName, Password);
        using var other = await fixture.App.ClientForAsync(userName, Password);

        var wrong = await session.PostAsJsonAsync("/api/me/password", new { currentPassword = "not-my-password", newPassword = "new-password-456" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/files")).StatusCode);

        var changed = await session.PostAsJsonAsync("/api/me/password", new { currentPassword = Password, newPassword = "new-password-456" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/files")).StatusCode);
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { userName, password = Password })).StatusCode);
        using var renewed = await fixture.App.ClientForAsync(userName, "new-password-456");
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/files")).StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_is_signed_out_at_once_and_cannot_sign_in_until_enabled()
    {
        var userName = await CreateUserAsync();
        using var user = await fixture.App.ClientForAsync(userName, Password);
        using var admin = await fixture.App.AdminClientAsync();
        var id = (await admin.GetFromJsonAsync<JsonElement>("/api/admin/users")).EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();

        // The session is checked (and remembered by this instance) before it is disabled.
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.GetAsync("/api/files")).StatusCode);
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { userName, password = Password })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{id}/enable", null)).StatusCode);
        using var again = await fixture.App.ClientForAsync(userName, Password);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/files")).StatusCode);
    }

    private async Task<string> CreateUserAsync()
    {
        var userName = "session-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await fixture.App.AdminClientAsync();
        (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = Password, role = "user" })).EnsureSuccessStatusCode();
        return userName;
    }

    /// <summary>Signs in through the /login form; returns the browser-like client and its sign-in cookie ("name=value").</summary>
    private async Task<(HttpClient Browser, string Cookie)> SignInWithCookieAsync(string userName, string password)
    {
        var browser = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await browser.GetStringAsync("/login");
        var signIn = await browser.PostAsync("/login", Form(("__RequestVerificationToken", FormTokenOf(login)), ("userName", userName), ("password", password)));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cloudservice=", StringComparison.Ordinal));
        return (browser, cookie[..cookie.IndexOf(';', StringComparison.Ordinal)]);
    }

    private HttpClient ClientWithCookie(string cookie)
    {
        var client = fixture.App.AnonymousClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static string FormTokenOf(string page) => WebUtility.HtmlDecode(FormToken().Match(page).Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
