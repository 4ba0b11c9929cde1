using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Modules.Storage;

/// <summary>The Storage module's one public entry: the host calls these three and nothing else.</summary>
public static class StorageModule
{
    public static IServiceCollection AddStorageModule(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static void AddStorageConsumers(this IBusRegistrationConfigurator bus)
    {
    }

    public static IEndpointRouteBuilder MapStorageModule(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
