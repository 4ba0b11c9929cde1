using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CloudService.Benchmarks.Live;

/// <summary>One lifecycle message as the subscriber saw it.</summary>
internal sealed record ReceivedEvent(Guid EventId, string Exchange, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt);

/// <summary>
/// An external subscriber as docs/events.md describes one: a plain AMQP client (no MassTransit) with a
/// queue of its own bound to the lifecycle exchanges. It notes when each message arrives, on the same
/// clock as the app's <c>occurredAt</c> (one machine).
/// </summary>
internal sealed class LifecycleListener : IAsyncDisposable
{
    public static readonly string[] Exchanges =
    [
        "CloudService.Modules.Plugins.Contracts:PluginActivated",
        "CloudService.Modules.Plugins.Contracts:PluginDeactivated",
    ];

    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly ConcurrentDictionary<Guid, ReceivedEvent> received = new();

    private LifecycleListener(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public static async Task<LifecycleListener> StartAsync(Uri amqp)
    {
        var factory = new ConnectionFactory { Uri = amqp, ClientProvidedName = "cloudservice-bench-subscriber" };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var listener = new LifecycleListener(connection, channel);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in Exchanges)
        {
            // Declared as MassTransit declares it, so binding works before the first publish.
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var at = DateTimeOffset.UtcNow;
            using var json = JsonDocument.Parse(delivery.Body);
            var message = json.RootElement.GetProperty("message");
            var id = message.GetProperty("eventId").GetGuid();
            // At least once: a duplicate keeps the first arrival.
            listener.received.TryAdd(id, new ReceivedEvent(id, delivery.Exchange, message.GetProperty("occurredAt").GetDateTimeOffset(), at));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return listener;
    }

    /// <summary>Waits until <paramref name="count"/> events that occurred at or after <paramref name="since"/> arrived; returns them.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> WaitForAsync(DateTimeOffset since, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = received.Values.Where(e => e.OccurredAt >= since).ToList();
            if (events.Count >= count)
            {
                return events;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {events.Count} of {count} lifecycle events arrived within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
