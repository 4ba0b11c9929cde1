using CloudService.BuildingBlocks.Files;
using CloudService.Modules.Plugins.Activation;
using CloudService.Modules.Plugins.AdminUi;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Relay;
using CloudService.Modules.Plugins.Runtime;
using CloudService.Modules.Plugins.Upload;
using CloudService.Modules.Plugins.Validation;
using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudService.Modules.Plugins;

/// <summary>The Plugins module's one public entry: the host calls these three and nothing else.</summary>
public static class PluginsModule
{
    public static IServiceCollection AddPluginsModule(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PluginsOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));
        services.AddSingleton(sp => new PackageStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<PluginLocks>();
        services.AddSingleton<LocalInstall>();
        services.AddSingleton<PluginStateSync>();
        services.AddSingleton<PluginCommands>();
        services.AddScoped<PackageUploads>();
        services.AddTransient<PackageValidationJob>();
        services.AddHostedService<PluginStateSyncService>();
        // Packages half-received or half-copied by a process that was killed.
        LeftoverSweep.Add(services, configuration, _ => Path.Combine(options.Root, ".incoming"));
        services.AddPluginRuntime();

        services.ConfigureMarten((sp, marten) =>
        {
            marten.Schema.For<PluginDetails>().DatabaseSchemaName("plugins");
            marten.Schema.For<PluginProgress>().DatabaseSchemaName("plugins");
            marten.Schema.For<RejectedUpload>().DatabaseSchemaName("plugins");
            marten.Projections.Snapshot<PluginDetails>(SnapshotLifecycle.Inline);
            // A relay must never skip an event it failed to publish.
            marten.Projections.Errors.SkipApplyErrors = false;
            marten.Projections.Subscribe(new LifecycleRelay(sp.GetRequiredService<IBus>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LifecycleRelay>>()));
        });
        return services;
    }

    public static void AddPluginsConsumers(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<PluginStateChangedConsumer, PluginStateChangedConsumerDefinition>();

    public static IEndpointRouteBuilder MapPluginsModule(this IEndpointRouteBuilder app)
    {
        app.MapPluginsApi();
        app.MapPluginsPages();
        app.MapRuntimeDiagnostics();
        return app;
    }
}
