using CloudService.Samples.LifecycleSubscriber;
using MassTransit;

// Follows CloudService's plugin lifecycle: every event is logged once, in stream order per plugin.
// Configuration: RabbitMq:Host, RabbitMq:Port, RabbitMq:VirtualHost, RabbitMq:UserName, RabbitMq:Password
// (environment variables RabbitMq__Host, ...), and Queue (default "lifecycle-subscriber-sample").
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
var rabbit = builder.Configuration.GetSection("RabbitMq");
builder.Services.AddSingleton<SeenEvents>();
builder.Services.AddMassTransit(bus =>
{
    bus.AddConsumer<LifecycleLogger>();
    bus.UsingRabbitMq((context, cfg) =>
    {
        cfg.Host(rabbit["Host"] ?? "127.0.0.1", ushort.Parse(rabbit["Port"] ?? "5672", System.Globalization.CultureInfo.InvariantCulture), rabbit["VirtualHost"] ?? "/", h =>
        {
            h.Username(rabbit["UserName"] ?? "guest");
            h.Password(rabbit["Password"] ?? "guest");
        });
        // One durable queue of our own, bound to every lifecycle exchange. One message at a time:
        // CloudService publishes each plugin's events in stream order, and this keeps that order.
        cfg.ReceiveEndpoint(builder.Configuration["Queue"] ?? "lifecycle-subscriber-sample", e =>
        {
            e.PrefetchCount = 1;
            e.ConcurrentMessageLimit = 1;
            e.ConfigureConsumer<LifecycleLogger>(context);
        });
    });
});

await builder.Build().RunAsync();
