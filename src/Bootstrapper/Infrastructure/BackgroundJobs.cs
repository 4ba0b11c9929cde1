using CloudService.BuildingBlocks.Security;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.Logging;
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
            // A running job keeps its claim alive (a heartbeat every fifth of the timeout), so the timeout
            // can be short: a job whose server was killed (a validation mid-way) is picked up again within
            // seconds, by whichever instance is up first, instead of after minutes (issue 22, item 6).
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = configuration.GetValue("CloudService:Jobs:InvisibilityTimeout", TimeSpan.FromSeconds(5)),
            // Polling, not LISTEN/NOTIFY long polling: with it, jobs were seen to wait forever in tests.
            QueuePollInterval = TimeSpan.FromMilliseconds(250),
        };
        // The storage is registered per host, not through Hangfire's static JobStorage.Current, which
        // the last configured host would own (several hosts share a process in the tests).
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(
            new NpgsqlConnectionFactory(configuration.PostgresConnectionString(), storageOptions), storageOptions));
        // Per host too: Hangfire's default registration copies the static JobActivator.Current, which
        // belongs to whichever host configured Hangfire last; once that host is disposed, every job of
        // the others fails with ObjectDisposedException.
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, cfg) =>
        {
            cfg.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseLogProvider(LiveHostsLogProvider.For(sp));
            JobTelemetry.RegisterOnce(cfg);
        });
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
    /// Hangfire keeps its log provider in a static. With several hosts in one process (the tests start
    /// and stop many) it would keep pointing at the logger factory of a host already disposed, and
    /// every later job enqueue fails with ObjectDisposedException. This provider logs through the
    /// newest host still running.
    /// </summary>
    private sealed class LiveHostsLogProvider : ILogProvider
    {
        private static readonly LiveHostsLogProvider Instance = new();
        private static readonly List<AspNetCoreLogProvider> Live = [];

        public static LiveHostsLogProvider For(IServiceProvider services)
        {
            var provider = new AspNetCoreLogProvider(services.GetRequiredService<ILoggerFactory>());
            lock (Live)
            {
                Live.Add(provider);
            }

            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() =>
            {
                lock (Live)
                {
                    Live.Remove(provider);
                }
            });
            return Instance;
        }

        public ILog GetLogger(string name) => new NamedLog(name);

        private sealed class NamedLog(string name) : ILog
        {
            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
            {
                AspNetCoreLogProvider? current;
                lock (Live)
                {
                    current = Live.Count > 0 ? Live[^1] : null;
                }

                try
                {
                    return current?.GetLogger(name).Log(logLevel, messageFunc, exception) ?? false;
                }
                catch (ObjectDisposedException)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>The default filter only allows local requests; the endpoint's admin policy already
    /// decided (redirect to sign-in, 403 for non-admins), this filter only repeats the check.</summary>
    private sealed class AdminsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsAdmin();
    }
}
