using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Identity.KeyRing;
using CloudService.Modules.Identity.Sessions;
using CloudService.Modules.Identity.SignIn;
using CloudService.Modules.Identity.Users;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CloudService.Modules.Identity;

/// <summary>
/// The Identity module's one public entry: users, sign-in (cookie and bearer token), sessions that
/// are checked against the user store on every request, the encrypted key ring, and brute-force limits.
/// </summary>
public static class IdentityModule
{
    private const string Schema = "identity";

    public static IServiceCollection AddIdentityModule(this IServiceCollection services, IConfiguration configuration)
    {
        var options = IdentityOptions.From(configuration);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureMarten(o =>
        {
            o.Schema.For<AppUser>().DatabaseSchemaName(Schema).UniqueIndex(u => u.NormalizedUserName);
            o.Schema.For<RevokedSession>().DatabaseSchemaName(Schema);
            o.Schema.For<DataProtectionKey>().DatabaseSchemaName(Schema).Identity(k => k.Id);
        });
        services.AddSingleton<IPasswordHasher<AppUser>, PasswordHasher<AppUser>>();
        services.AddScoped<Users.Users>();
        services.AddScoped<Sessions.Sessions>();
        services.AddSingleton<SessionCheckCache>();
        services.AddSingleton<SignInThrottle>();
        services.AddHostedService<AdminAccountSeeder>();
        services.AddStaticAssetsOf(typeof(IdentityModule).Assembly);

        // Cookies and bearer tokens must be readable by every instance: keys live in PostgreSQL, encrypted.
        var certificate = KeyEncryptionCertificate.LoadOrCreate(options.KeyEncryptionCertificate, out var created);
        services.AddDataProtection().SetApplicationName("CloudService").ProtectKeysWithCertificate(certificate);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>, DataProtectionKeysInMarten>();
        if (created)
        {
            services.AddHostedService(sp => new StartupNote(sp.GetRequiredService<ILogger<DataProtectionKeysInMarten>>(), options.KeyEncryptionCertificate));
        }

        services.AddAuth(options);
        services.AddRateLimiter(limiter => SignInThrottle.AddPolicies(limiter, options));
        return services;
    }

    /// <summary>Authentication, the per-request session check, authorisation, CSRF and the sign-in rate limits, in this order.</summary>
    public static WebApplication UseIdentityModule(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseSessionValidation();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseCsrfProtection();
        app.UseRateLimiter();
        return app;
    }

    public static IEndpointRouteBuilder MapIdentityModule(this IEndpointRouteBuilder app)
    {
        app.MapSignIn();
        app.MapAdminUsers();
        return app;
    }

    /// <summary>Says once, in the log, that a new key-encryption certificate exists (registration has no logger yet).</summary>
    private sealed class StartupNote(ILogger logger, string path) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation("Created the key-encryption certificate {Path}: back it up, and give every instance the same file", Path.GetFullPath(path));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
