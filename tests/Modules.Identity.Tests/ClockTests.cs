using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CloudService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CloudService.Tests.Identity;

/// <summary>The app on a fake clock that only moves when a test advances it (it starts at the real time: the key ring's keys are dated by the real one).</summary>
public sealed class FakeClockAppFixture : IAsyncLifetime
{
    public const int LockoutThreshold = 3;
    public static readonly TimeSpan FirstLockout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromHours(8);
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);
    public static readonly TimeSpan SessionCheckCacheTime = TimeSpan.FromSeconds(5);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    /// <summary>A second instance on the same database and clock.</summary>
    public AppInstance Other { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, "a", Settings(), Clock);
        _ = App.Server;
        Other = new AppInstance(Environment, "b", Settings(), Clock);
        _ = Other.Server;
    }

    private static Dictionary<string, string?> Settings() => new()
        {
            ["CloudService:Identity:LockoutThreshold"] = LockoutThreshold.ToString(CultureInfo.InvariantCulture),
            ["CloudService:Identity:FirstLockout"] = FirstLockout.ToString("c", CultureInfo.InvariantCulture),
            ["CloudService:Identity:AccessTokenLifetime"] = AccessTokenLifetime.ToString("c", CultureInfo.InvariantCulture),
            ["CloudService:Identity:RefreshTokenLifetime"] = RefreshTokenLifetime.ToString("c", CultureInfo.InvariantCulture),
            ["CloudService:Identity:SessionLifetime"] = SessionLifetime.ToString("c", CultureInfo.InvariantCulture),
            ["CloudService:Identity:SessionCheckCacheTime"] = SessionCheckCacheTime.ToString("c", CultureInfo.InvariantCulture),
        };

    public async Task DisposeAsync()
    {
        await Other.DisposeAsync();
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

/// <summary>
/// Lockouts, token and session lifetimes end when the app's clock says so: the tests advance a fake
/// clock instead of sleeping, through the real HTTP pipeline. Tests of this class run one after the other.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClockTests(FakeClockAppFixture fixture) : IClassFixture<FakeClockAppFixture>
{
    private const string Password = "password-123";

    [Fact]
    public void The_modules_and_the_authentication_handlers_read_the_fake_clock()
    {
        var services = fixture.App.Services;
        Assert.Same(fixture.Clock, services.GetRequiredService<TimeProvider>());
        Assert.Same(fixture.Clock, services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme).TimeProvider);
        Assert.Same(fixture.Clock, services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TimeProvider);
    }

    [Fact]
    public async Task A_locked_account_takes_the_right_password_again_once_the_lockout_has_run_out()
    {
        var userName = await CreateUserAsync();
        using var client = fixture.App.AnonymousClient();
        for (var i = 1; i < FakeClockAppFixture.LockoutThreshold; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(client, userName, "wrong-password")).StatusCode);
        }

        var locking = await SignInAsync(client, userName, "wrong-password");
        Assert.Equal(HttpStatusCode.TooManyRequests, locking.StatusCode);
        // The clock stands still between requests, so the wait is exactly the first lockout.
        Assert.Equal(FakeClockAppFixture.FirstLockout, locking.Headers.RetryAfter?.Delta);

        fixture.Clock.Advance(FakeClockAppFixture.FirstLockout - TimeSpan.FromSeconds(1));
        var stillLocked = await SignInAsync(client, userName, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLocked.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), stillLocked.Headers.RetryAfter?.Delta);

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(client, userName, Password)).StatusCode);
    }

    [Fact]
    public async Task An_expired_access_token_is_refused_and_its_refresh_token_gives_a_working_one()
    {
        var userName = await CreateUserAsync();
        using var client = fixture.App.AnonymousClient();
        var tokens = await TokensAsync(client, userName);
        Assert.Equal(fixture.Clock.GetUtcNow() + FakeClockAppFixture.AccessTokenLifetime, tokens.ExpiresAt);

        fixture.Clock.Advance(FakeClockAppFixture.AccessTokenLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(client, tokens.AccessToken)).StatusCode);

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await FilesAsync(client, tokens.AccessToken)).StatusCode);

        var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var renewed = (await refreshed.Content.ReadFromJsonAsync<Tokens>())!;
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(client, renewed.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_is_refused_once_its_lifetime_has_run_out()
    {
        var userName = await CreateUserAsync();
        using var client = fixture.App.AnonymousClient();
        var early = await TokensAsync(client, userName);
        var late = await TokensAsync(client, userName);

        fixture.Clock.Advance(FakeClockAppFixture.RefreshTokenLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(client, early.RefreshToken)).StatusCode);

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        var refused = await RefreshAsync(client, late.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Refreshing_does_not_stretch_a_session_beyond_its_lifetime()
    {
        var userName = await CreateUserAsync();
        using var client = fixture.App.AnonymousClient();
        var tokens = await TokensAsync(client, userName);
        var step = FakeClockAppFixture.RefreshTokenLifetime - TimeSpan.FromMinutes(1);

        fixture.Clock.Advance(step);
        var refreshed = await RefreshAsync(client, tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        tokens = (await refreshed.Content.ReadFromJsonAsync<Tokens>())!;
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(client, tokens.AccessToken)).StatusCode);
        var refreshTokenExpires = fixture.Clock.GetUtcNow() + FakeClockAppFixture.RefreshTokenLifetime;

        // The new refresh token is unexpired, but the sign-in behind it is older than the session lifetime.
        fixture.Clock.Advance(FakeClockAppFixture.SessionLifetime - step + TimeSpan.FromSeconds(1));
        Assert.True(fixture.Clock.GetUtcNow() < refreshTokenExpires);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(client, tokens.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Another_instance_trusts_its_last_session_check_for_the_cache_time_only()
    {
        var userName = await CreateUserAsync();
        using var onA = fixture.App.AnonymousClient();
        using var onB = fixture.Other.AnonymousClient();
        var tokens = await TokensAsync(onA, userName);
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(onA, tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(onB, tokens.AccessToken)).StatusCode);

        // Signed out everywhere on A: A refuses at once, B answers from its check of a moment ago
        // until the cache time has passed (the bounded staleness in docs/security.md), then refuses.
        using var admin = await fixture.App.AdminClientAsync();
        var id = (await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/users")).EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await FilesAsync(onA, tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FilesAsync(onB, tokens.AccessToken)).StatusCode);

        fixture.Clock.Advance(FakeClockAppFixture.SessionCheckCacheTime + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await FilesAsync(onB, tokens.AccessToken)).StatusCode);
    }

    private sealed record Tokens(string AccessToken, DateTimeOffset ExpiresAt, string RefreshToken);

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        client.PostAsJsonAsync("/api/auth/token", new { userName, password });

    private static async Task<Tokens> TokensAsync(HttpClient client, string userName)
    {
        var response = await SignInAsync(client, userName, Password);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    private static Task<HttpResponseMessage> RefreshAsync(HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    private static Task<HttpResponseMessage> FilesAsync(HttpClient client, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/files");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client.SendAsync(request);
    }

    private async Task<string> CreateUserAsync()
    {
        var userName = "clock-" + Guid.NewGuid().ToString("N")[..8];
        // A new admin client each time: an earlier test may have advanced the clock past its token's lifetime.
        using var admin = await fixture.App.AdminClientAsync();
        (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = Password, role = "user" })).EnsureSuccessStatusCode();
        return userName;
    }
}
