using System.Security.Cryptography;
using CloudService.BuildingBlocks.Security;

namespace CloudService.Modules.Identity.Users;

/// <summary>
/// Creates the admin account on the first start: user name from CloudService:Admin:UserName
/// (default "admin"), password from CloudService:Admin:Password or generated and printed once.
/// </summary>
internal sealed class AdminAccountSeeder(IServiceProvider services, IConfiguration configuration, ILogger<AdminAccountSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var userName = configuration["CloudService:Admin:UserName"] is { Length: > 0 } name ? name : "admin";
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Users>();
        await users.GiveEveryUserAStampAsync(cancellationToken);
        if (await users.FindAsync(userName, cancellationToken) is not null)
        {
            return;
        }

        var configured = configuration["CloudService:Admin:Password"];
        var password = string.IsNullOrEmpty(configured)
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', '-').Replace('+', '_')
            : configured;
        var (_, errors) = await users.CreateAsync(userName, password, Roles.Admin, cancellationToken);
        if (errors.Count > 0)
        {
            // Another instance may have created it at the same moment; anything else is a configuration error.
            if (await users.FindAsync(userName, cancellationToken) is not null)
            {
                return;
            }

            throw new InvalidOperationException("Cannot create the admin account: " + string.Join(" ", errors.SelectMany(e => e.Value)));
        }

        if (string.IsNullOrEmpty(configured))
        {
            // Printed once, on purpose: the only way to learn a generated password.
            Console.WriteLine($"""

                ==== CloudService admin account created ====
                  user name: {userName}
                  password:  {password}
                ============================================

                """);
        }

        logger.LogInformation("Created the admin account {UserName}", userName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
