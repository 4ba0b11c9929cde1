using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Tests.Identity;

/// <summary>The app with production-like sign-in limits (the shared test settings lift them).</summary>
[Trait("Category", "Integration")]
public sealed class StrictSignInAppFixture : IAsyncLifetime, IAsyncDisposable
{
    public const int PerUserName = 8;
    public const int PerIp = 40;
    public const int LockoutThreshold = 3;

    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, "a", new Dictionary<string, string?>
        {
            ["CloudService:Identity:SignInsPerUserNamePerMinute"] = PerUserName.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CloudService:Identity:SignInsPerIpPerMinute"] = PerIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CloudService:Identity:LockoutThreshold"] = LockoutThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}

/// <summary>
/// Guessing passwords is slowed per user name and per client address (429 with Retry-After) and
/// locks the account with back-off; the admin sees the lock and lifts it. Each test owns its app:
/// the limits count per app, and the per-address one is shared by every request of a test.
/// </summary>
public sealed class BruteForceTests
{
    private const string Password = "password-123";

    [Fact]
    public async Task Wrong_passwords_lock_the_account_even_for_the_right_password_until_the_admin_unlocks_it()
    {
        await using var app = new StrictSignInAppFixture();
        await app.InitializeAsync();
        var userName = await CreateUserAsync(app.App);
        using var client = app.App.AnonymousClient();

        for (var i = 1; i < StrictSignInAppFixture.LockoutThreshold; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(client, userName, "wrong-password")).StatusCode);
        }

        var locking = await SignInAsync(client, userName, "wrong-password");
        AssertTooMany(locking);
        var right = await SignInAsync(client, userName, Password);
        AssertTooMany(right);
        Assert.InRange(right.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        using var admin = await app.App.AdminClientAsync();
        var listed = await UserAsync(admin, userName);
        Assert.True(listed.GetProperty("lockedUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{listed.GetProperty("id").GetGuid()}/unlock", null)).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await UserAsync(admin, userName)).GetProperty("lockedUntil").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(client, userName, Password)).StatusCode);
    }

    [Fact]
    public async Task A_second_lockout_lasts_longer_than_the_first()
    {
        await using var app = new StrictSignInAppFixture();
        await app.InitializeAsync();
        var userName = await CreateUserAsync(app.App);
        using var client = app.App.AnonymousClient();
        using var admin = await app.App.AdminClientAsync();

        var first = await LockAsync(client, userName);
        // The lockout runs out (as time would do it: an admin's unlock would also forgive the count), and
        // the next wrong passwords in a row lock the account again, for longer.
        var id = (await UserAsync(admin, userName)).GetProperty("id").GetGuid();
        await using (var session = app.App.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession())
        {
            var user = await session.LoadAsync<CloudService.Modules.Identity.Users.AppUser>(id);
            user!.LockedUntil = DateTimeOffset.UtcNow.AddSeconds(-1);
            session.Store(user);
            await session.SaveChangesAsync();
        }

        var second = await LockAsync(client, userName);
        Assert.True(second > first, $"first lockout {first}, second {second}");
    }

    [Fact]
    public async Task Many_guesses_at_one_user_name_get_429_with_retry_after_even_when_the_name_does_not_exist()
    {
        await using var app = new StrictSignInAppFixture();
        await app.InitializeAsync();
        using var client = app.App.AnonymousClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i <= StrictSignInAppFixture.PerUserName; i++)
        {
            last = await SignInAsync(client, "no-such-user", "guess-" + i);
            statuses.Add(last.StatusCode);
        }

        Assert.All(statuses.Take(StrictSignInAppFixture.PerUserName), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        AssertTooMany(last);
    }

    [Fact]
    public async Task Many_sign_ins_from_one_address_get_429_with_retry_after_whatever_the_user_name()
    {
        await using var app = new StrictSignInAppFixture();
        await app.InitializeAsync();
        using var client = app.App.AnonymousClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < StrictSignInAppFixture.PerIp + 5; i++)
        {
            var response = await SignInAsync(client, $"name-{i}", "guess");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                AssertTooMany(response);
                break;
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.InRange(statuses.Count, StrictSignInAppFixture.PerIp - 3, StrictSignInAppFixture.PerIp + 1);
    }

    private static async Task<TimeSpan> LockAsync(HttpClient client, string userName)
    {
        HttpResponseMessage response;
        do
        {
            response = await SignInAsync(client, userName, "wrong-password");
        }
        while (response.StatusCode == HttpStatusCode.Unauthorized);

        AssertTooMany(response);
        return response.Headers.RetryAfter!.Delta!.Value;
    }

    private static void AssertTooMany(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        client.PostAsJsonAsync("/api/auth/token", new { userName, password });

    private static async Task<string> CreateUserAsync(AppInstance app)
    {
        var userName = "brute-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await app.AdminClientAsync();
        (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = Password, role = "user" })).EnsureSuccessStatusCode();
        return userName;
    }

    private static async Task<JsonElement> UserAsync(HttpClient admin, string userName) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/admin/users")).EnumerateArray().Single(u => u.GetProperty("userName").GetString() == userName);
}
