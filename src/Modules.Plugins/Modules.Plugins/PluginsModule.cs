using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Modules.Plugins;

/// <summary>The Plugins module's one public entry: the host calls these three and nothing else.</summary>
public static class PluginsModule
{
    public static IServiceCollection AddPluginsModule(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static void AddPluginsConsumers(this IBusRegistrationConfigurator bus)
    {
    }

    public static IEndpointRouteBuilder MapPluginsModule(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
