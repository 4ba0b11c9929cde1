using CloudService.BuildingBlocks.Web;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.DataProtection;

namespace CloudService.Bootstrapper.Infrastructure;

internal static class Persistence
{
    public static string PostgresConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");

    /// <summary>One Marten store for the whole host; each module adds its own documents, schema and projections.</summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMarten(options =>
            {
                options.Connection(configuration.PostgresConnectionString());
                options.DatabaseSchemaName = "cloudservice";
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.Events.StreamIdentity = StreamIdentity.AsString;
                // Rich mode gives inline projections correct stream versions (FACTS.md).
                options.Events.AppendMode = EventAppendMode.Rich;
                // The relay hears of new events at once instead of polling every few hundred ms.
                options.Events.UseListenNotifyForEventAppends = true;
                options.Schema.For<DataProtectionKey>().DatabaseSchemaName("identity").Identity(k => k.Id);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Only one instance runs the async daemon (the lifecycle relay) at a time.
            .AddAsyncDaemon(DaemonMode.HotCold);

        services.AddSingleton<IIdempotencyStore, IdempotencyStore>();

        // Cookies and bearer tokens must be readable by every instance: keys live in PostgreSQL.
        services.AddDataProtection().SetApplicationName("CloudService");
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>, DataProtectionKeysInMarten>();
        return services;
    }
}
