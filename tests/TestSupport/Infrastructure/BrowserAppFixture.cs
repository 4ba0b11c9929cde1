using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// A test class's world for browser tests: the app on a real Kestrel port (a browser cannot reach the
/// in-memory test server) over its own database and virtual host, and one headless Chromium. Each
/// test opens its own <see cref="BrowserSession"/> (a browser context: its own cookies). Derive to
/// change the app's settings or to prepare the app once for the class.
/// </summary>
public class BrowserAppFixture : IAsyncLifetime
{
    /// <summary>What <see cref="CreateUserAsync"/> gives every user.</summary>
    public const string UserPassword = "password-123";

    /// <summary>
    /// Debian's chromium (test.sh installs it), driven through its path: <c>playwright install</c>
    /// downloads browsers and fails on this machine (FACTS.md).
    /// </summary>
    public static string ChromiumPath { get; } =
        System.Environment.GetEnvironmentVariable("CLOUDSERVICE_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? playwright;

    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Changes the app's settings before it starts.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>Runs once the app and the browser are up, before the first test.</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        // Expectations poll until they hold: 5 s (the default) is short for a first preview on two
        // cores busy with other test classes; a failing expectation still fails, only later.
        Assertions.SetDefaultExpectTimeout(15_000);
        // Chromium starts while the app does: both take a moment.
        var browser = LaunchAsync();
        await Environment.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            // A small pool: browser classes run beside other test classes within PostgreSQL's connection limit.
            ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(Environment.PostgresConnectionString) { MaxPoolSize = 10 }.ConnectionString,
        };
        Configure(settings);
        App = new AppInstance(Environment, "a", settings);
        App.UseKestrel(0);
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Browser = await browser;
        await PrepareAsync();
    }

    private async Task<IBrowser> LaunchAsync()
    {
        playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Args = ["--no-sandbox"] });
    }

    /// <summary>A fresh browser context and page on the app, recording everything the page says.</summary>
    public Task<BrowserSession> OpenSessionAsync(string name) => BrowserSession.OpenAsync(Browser, BaseAddress, name);

    /// <summary>An API client on the real port, signed in with a bearer token.</summary>
    public async Task<HttpClient> ApiClientAsync(string userName, string password)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        var response = await client.PostAsJsonAsync("/api/auth/token", new { userName, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminApiClientAsync() => ApiClientAsync(AppInstance.AdminUserName, AppInstance.AdminPassword);

    /// <summary>Creates a user (password <see cref="UserPassword"/>) through the API and returns the user name.</summary>
    public async Task<string> CreateUserAsync(string prefix, string role = "user")
    {
        var userName = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        using var admin = await AdminApiClientAsync();
        (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password = UserPassword, role })).EnsureSuccessStatusCode();
        return userName;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        await Environment.DisposeAsync();
    }
}
