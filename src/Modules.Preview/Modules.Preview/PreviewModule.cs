using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Modules.Preview;

/// <summary>The Preview module's one public entry: the host calls these three and nothing else.</summary>
public static class PreviewModule
{
    public static IServiceCollection AddPreviewModule(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static void AddPreviewConsumers(this IBusRegistrationConfigurator bus)
    {
    }

    public static IEndpointRouteBuilder MapPreviewModule(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
