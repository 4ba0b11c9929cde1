using CloudService.BuildingBlocks.Security;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace CloudService.Bootstrapper.Infrastructure;

internal static class BackgroundJobs
{
    public static IServiceCollection AddBackgroundJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            // A job whose server died is picked up again after this long.
            InvisibilityTimeout = TimeSpan.FromMinutes(2),
            // Polling, not LISTEN/NOTIFY long polling: with it, jobs were seen to wait forever in tests.
            QueuePollInterval = TimeSpan.FromMilliseconds(250),
        };
        // The storage is registered per host, not through Hangfire's static JobStorage.Current, which
        // the last configured host would own (several hosts share a process in the tests).
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(
            new NpgsqlConnectionFactory(configuration.PostgresConnectionString(), storageOptions), storageOptions));
        // Likewise the job activator: Hangfire's default is the static JobActivator.Current, which the
        // last configured host owns, so a job could run in another host's container (its database).
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, cfg) => cfg
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new OutlivableLogProvider(new AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>()))));
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(2, Environment.ProcessorCount);
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }

    public static IEndpointConventionBuilder MapBackgroundJobsDashboard(this WebApplication app) =>
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminsOnly()],
            AsyncAuthorization = [],
            DashboardTitle = "CloudService jobs",
            AppPath = "/admin/plugins",
        }).RequireAuthorization(Roles.AdminPolicy);

    /// <summary>
    /// Hangfire's log provider is static, too: the last host started owns it. When that host is
    /// disposed while others run on (the tests), its logger factory throws; Hangfire then stays
    /// silent instead of failing every enqueue and dequeue of the other hosts.
    /// </summary>
    private sealed class OutlivableLogProvider(Hangfire.Logging.ILogProvider inner) : Hangfire.Logging.ILogProvider
    {
        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return Silent.Instance;
            }
        }

        private sealed class Silent : Hangfire.Logging.ILog
        {
            public static readonly Silent Instance = new();

            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
        }
    }

    /// <summary>The default filter only allows local requests; the endpoint's admin policy already
    /// decided (redirect to sign-in, 403 for non-admins), this filter only repeats the check.</summary>
    private sealed class AdminsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsAdmin();
    }
}
