using CloudService.BuildingBlocks.Files;
using CloudService.BuildingBlocks.Web;
using CloudService.BuildingBlocks.Options;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.AdminUi;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Plugins.Hosting;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Settings;
using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace CloudService.Modules.Plugins;

/// <summary>The Plugins module's one public entry: the host calls these three and nothing else.</summary>
public static class PluginsModule
{
    public static IServiceCollection AddPluginsModule(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PluginsOptions.From(configuration);
        services.AddStartupValidatedOptions(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));
        services.AddSingleton(sp => new PackageStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<PluginLocks>();
        services.AddSingleton<LocalInstall>();
        services.AddSingleton<PluginConvergence>();
        services.AddSingleton<PluginCommands>();
        services.AddSingleton<LiveSettings>();
        services.AddSingleton<PluginEndpointCalls>();
        services.AddSingleton<SettingsCommands>();
        services.AddScoped<PackageUploads>();
        services.AddTransient<PackageValidationJob>();
        services.AddHostedService<PluginStateSyncService>();
        // Packages half-received or half-copied by a process that was killed.
        LeftoverSweep.Add(services, configuration, _ => Path.Combine(options.Root, ".incoming"));
        services.AddPluginRuntime();
        services.AddStaticAssetsOf(typeof(PluginsModule).Assembly);

        services.ConfigureMarten((sp, marten) =>
        {
            marten.Schema.For<PluginDetails>().DatabaseSchemaName("plugins");
            marten.Schema.For<PluginProgress>().DatabaseSchemaName("plugins");
            marten.Schema.For<RejectedUpload>().DatabaseSchemaName("plugins");
            marten.Schema.For<PluginSettingsValues>().DatabaseSchemaName("plugins");
            StreamEventNames.Map(marten);
            marten.Events.MetadataConfig.HeadersEnabled = true;
            marten.Listeners.Add(new TraceHeaders());
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
        app.MapPluginEndpoints();
        app.MapPluginsPages();
        app.MapRuntimeDiagnostics();
        return app;
    }
}
