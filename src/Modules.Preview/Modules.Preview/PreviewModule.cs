using CloudService.BuildingBlocks.Options;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Events;
using CloudService.Modules.Preview.Generation;
using CloudService.Modules.Preview.Invalidation;
using CloudService.Modules.Preview.Pregeneration;
using CloudService.Modules.Preview.Sanitising;
using CloudService.Modules.Preview.Serving;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudService.Modules.Preview;

/// <summary>The Preview module's one public entry: the host calls these three and nothing else.</summary>
public static class PreviewModule
{
    public static IServiceCollection AddPreviewModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStartupValidatedOptions(PreviewOptions.From(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new PreviewDatabase(configuration, sp.GetRequiredService<PreviewOptions>()));
        services.AddSingleton<PreviewStore>();
        services.AddSingleton<PreviewCache>();
        services.AddSingleton<ReadyNotifications>();
        services.AddSingleton<AccessCache>();
        services.AddSingleton(sp => new PreviewSanitizer(sp.GetRequiredService<PreviewOptions>().AllowRemoteImages));
        services.AddSingleton<LocalRenders>();
        services.AddSingleton(sp => new RenderThreads(sp.GetRequiredService<PreviewOptions>()));
        services.AddSingleton<Announcements>();
        // Scoped: they use the other modules' query interfaces, whose lifetimes are theirs to choose.
        services.AddScoped<ProviderChoice>();
        services.AddScoped<PreviewGenerator>();
        services.AddScoped<RenderTail>();
        services.AddScoped<PreviewRequests>();
        services.AddHostedService<ReadyListener>();
        services.AddHostedService<TouchFlusher>();
        return services;
    }

    public static void AddPreviewConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<GeneratePreviewConsumer, GeneratePreviewConsumerDefinition>();
        bus.AddConsumer<PregenerateConsumer, PregenerateConsumerDefinition>();
        bus.AddConsumer<InvalidationConsumer, InvalidationConsumerDefinition>();
        bus.AddConsumer<FileDeletedBroadcastConsumer, FileDeletedBroadcastConsumerDefinition>();
    }

    public static IEndpointRouteBuilder MapPreviewModule(this IEndpointRouteBuilder app)
    {
        app.MapPreviewRoutes();
        return app;
    }
}
