using CloudService.Modules.Plugins;
using CloudService.Modules.Preview;
using CloudService.Modules.Storage;
using MassTransit;

namespace CloudService.Bootstrapper.Infrastructure;

internal sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string UserName { get; set; } = "guest";
    public string Password { get; set; } = "guest";
}

internal static class Messaging
{
    /// <summary>MassTransit is added exactly once, here; modules only contribute consumers (FACTS.md).</summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        var rabbit = configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        services.AddSingleton(rabbit);
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // A self-hosted server sends nothing anywhere its admin did not configure: MassTransit would
            // otherwise report usage to its vendor's host a few minutes after start (issue 22, item 8).
            bus.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            bus.AddStorageConsumers();
            bus.AddPluginsConsumers();
            bus.AddPreviewConsumers();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.UserName);
                    h.Password(rabbit.Password);
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        services.Configure<MassTransitHostOptions>(o =>
        {
            // Start without waiting for the broker: files and cached previews are served while RabbitMQ is down.
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }
}
