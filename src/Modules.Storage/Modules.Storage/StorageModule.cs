using CloudService.BuildingBlocks.Files;
using CloudService.BuildingBlocks.Web;
using CloudService.BuildingBlocks.Options;
using CloudService.Modules.Storage.Blobs;
using CloudService.Modules.Storage.Contracts;
using CloudService.Modules.Storage.Delete;
using CloudService.Modules.Storage.Events;
using CloudService.Modules.Storage.Files;
using CloudService.Modules.Storage.Pages;
using CloudService.Modules.Storage.Upload;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudService.Modules.Storage;

/// <summary>The Storage module's one public entry: the host calls these three and nothing else.</summary>
public static class StorageModule
{
    private const string Schema = "storage";

    public static IServiceCollection AddStorageModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStartupValidatedOptions(StorageOptions.From(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IBlobStore, LocalBlobStore>();
        services.AddSingleton<ContentLocks>();
        services.AddSingleton<StoredFiles>();
        services.AddSingleton<IStoredFiles>(sp => sp.GetRequiredService<StoredFiles>());
        services.AddSingleton<FileUploads>();
        services.AddSingleton<FileDeletion>();
        services.AddSingleton<EventOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<EventOutbox>());
        services.AddStaticAssetsOf(typeof(StorageModule).Assembly);
        // Uploads half-received by a process that was killed.
        LeftoverSweep.Add(services, configuration, sp => sp.GetRequiredService<IBlobStore>().StagingDirectory);

        services.ConfigureMarten(marten =>
        {
            marten.Schema.For<FileRecord>().DatabaseSchemaName(Schema)
                .Index(f => f.OwnerId)
                .Index(f => f.Sha256);
            marten.Schema.For<PendingEvent>().DatabaseSchemaName(Schema);
        });
        return services;
    }

    public static void AddStorageConsumers(this IBusRegistrationConfigurator bus)
    {
        // Storage publishes (FileUploaded, FileDeleted) and consumes nothing.
    }

    public static IEndpointRouteBuilder MapStorageModule(this IEndpointRouteBuilder app)
    {
        app.MapStorageApi();
        app.MapFilePages();
        return app;
    }
}
