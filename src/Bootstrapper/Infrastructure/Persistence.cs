using CloudService.Bootstrapper.Migrations;
using CloudService.BuildingBlocks.Web;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Weasel.Core;

namespace CloudService.Bootstrapper.Infrastructure;

internal static class Persistence
{
    public static string PostgresConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");

    /// <summary>One Marten store for the whole host; each module adds its own documents, schema and projections.</summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        // First of all hosted services: the schema is ready (or the start refused) before anything uses it.
        var migrateOnStartup = configuration.GetValue<bool?>("CloudService:Database:MigrateOnStartup") ?? !environment.IsProduction();
        services.AddSingleton(sp => new DatabaseMigrator(configuration.PostgresConnectionString(), sp.GetRequiredService<ILogger<DatabaseMigrator>>()));
        services.AddHostedService(sp => new SchemaOnStartup(sp.GetRequiredService<DatabaseMigrator>(), migrateOnStartup));

        services.AddMarten(options =>
            {
                options.Connection(configuration.PostgresConnectionString());
                options.DatabaseSchemaName = "cloudservice";
                // The schema comes from the migrations (docs/database-migrations.md), never from a running app.
                options.AutoCreateSchemaObjects = AutoCreate.None;
                // Generated migrations must never drop a table to create it.
                options.Advanced.Migrator.TableCreation = CreationStyle.CreateIfNotExists;
                options.Events.StreamIdentity = StreamIdentity.AsString;
                // Rich mode gives inline projections correct stream versions (FACTS.md).
                options.Events.AppendMode = EventAppendMode.Rich;
                // The relay hears of new events at once instead of polling every few hundred ms.
                options.Events.UseListenNotifyForEventAppends = true;
            })
            .UseLightweightSessions()
            // Only one instance runs the async daemon (the lifecycle relay) at a time.
            .AddAsyncDaemon(DaemonMode.HotCold);

        services.AddSingleton<IIdempotencyStore, IdempotencyStore>();
        return services;
    }
}
