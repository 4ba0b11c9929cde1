using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// The real app (real HTTP pipeline, PostgreSQL, RabbitMQ, Hangfire) in this process, configured
/// for one <see cref="TestEnvironment"/>. Give two instances the same environment to get a cluster.
/// Give it a clock (a <c>FakeTimeProvider</c>) to test lifetimes and lockouts by advancing time instead of sleeping.
/// </summary>
public sealed class AppInstance(TestEnvironment environment, string instanceName = "a", IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    : WebApplicationFactory<Program>
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "admin-password-for-tests";

    public TestEnvironment Environment => environment;

    /// <summary>Warnings and errors this instance logged, from start to stop.</summary>
    public LogRecorder Logs { get; } = new();
    public string InstanceDataRoot => Path.Combine(environment.DataRoot, instanceName);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var rabbit = environment.RabbitMq;
        var userInfo = rabbit.UserInfo.Split(':');
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = environment.PostgresConnectionString,
            ["RabbitMq:Host"] = rabbit.Host,
            ["RabbitMq:Port"] = rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = environment.VirtualHost,
            ["RabbitMq:UserName"] = Uri.UnescapeDataString(userInfo[0]),
            ["RabbitMq:Password"] = Uri.UnescapeDataString(userInfo.ElementAtOrDefault(1) ?? ""),
            ["CloudService:Admin:UserName"] = AdminUserName,
            ["CloudService:Admin:Password"] = AdminPassword,
            ["CloudService:DataRoot"] = InstanceDataRoot,
            ["CloudService:InstanceName"] = instanceName,
            // Instances of one environment are one installation: they share the key ring's certificate.
            ["CloudService:Identity:KeyEncryptionCertificate"] = Path.Combine(environment.DataRoot, "key-encryption.pfx"),
            // Tests sign in far more often than people do; the brute-force tests set their own limits.
            ["CloudService:Identity:SignInsPerIpPerMinute"] = "100000",
            ["CloudService:Identity:SignInsPerUserNamePerMinute"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        // UseSetting, not ConfigureAppConfiguration: Program.cs reads configuration while it registers
        // services, before the factory's configuration callbacks would apply.
        foreach (var (key, value) in values)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(Logs);
            if (clock is not null)
            {
                // Replaces the modules' TryAddSingleton(TimeProvider.System): every module, and the
                // authentication handlers (their options take the TimeProvider from DI), read this clock.
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(clock);
            }
        });
    }

    /// <summary>An HTTP client that signs in with a bearer token.</summary>
    public async Task<HttpClient> ClientForAsync(string userName, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.PostAsJsonAsync("/api/auth/token", new { userName, password });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.AccessToken);
        return client;
    }

    public Task<HttpClient> AdminClientAsync() => ClientForAsync(AdminUserName, AdminPassword);

    /// <summary>Creates a user with role "user" (or the given role) and returns a client signed in as them.</summary>
    public async Task<HttpClient> NewUserClientAsync(string? userName = null, string role = "user")
    {
        userName ??= "user-" + Guid.NewGuid().ToString("N")[..8];
        const string password = "password-123";
        using var admin = await AdminClientAsync();
        (await admin.PostAsJsonAsync("/api/admin/users", new { userName, password, role })).EnsureSuccessStatusCode();
        return await ClientForAsync(userName, password);
    }

    public HttpClient AnonymousClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);
}

/// <summary>A test class fixture: one environment and one app instance (configured by <see cref="Settings"/> in a subclass).</summary>
public class AppFixture : IAsyncLifetime
{
    /// <summary>Configuration the app starts with, beyond the test environment's.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, "a", Settings);
        _ = App.Server; // start the host now, so the first test does not pay for it inside its own timing
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
