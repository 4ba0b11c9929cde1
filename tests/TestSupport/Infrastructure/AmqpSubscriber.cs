using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// A subscriber as another team would write it, in any language: a plain AMQP client (no
/// MassTransit) that binds its own queue to the fan-out exchanges named in docs/events.md and
/// reads the JSON envelopes.
/// </summary>
public sealed class AmqpSubscriber : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly ConcurrentQueue<(string Exchange, JsonElement Message)> received = new();
    private readonly ConcurrentQueue<(string? ContentType, JsonElement Envelope)> envelopes = new();

    private AmqpSubscriber(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public static async Task<AmqpSubscriber> StartAsync(TestEnvironment environment, params string[] exchanges)
    {
        var userInfo = environment.RabbitMq.UserInfo.Split(':');
        var factory = new ConnectionFactory
        {
            HostName = environment.RabbitMq.Host,
            Port = environment.RabbitMq.Port,
            VirtualHost = environment.VirtualHost,
            UserName = Uri.UnescapeDataString(userInfo[0]),
            Password = Uri.UnescapeDataString(userInfo[1]),
        };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var subscriber = new AmqpSubscriber(connection, channel);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in exchanges)
        {
            // Declared the way MassTransit declares it, so binding before the first publish works.
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span));
            subscriber.envelopes.Enqueue((delivery.BasicProperties.ContentType, json.RootElement.Clone()));
            subscriber.received.Enqueue((delivery.Exchange, json.RootElement.GetProperty("message").Clone()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return subscriber;
    }

    public IReadOnlyList<(string Exchange, JsonElement Message)> Received => [.. received];

    /// <summary>Every message whole, as it came off the wire: its content type and MassTransit's envelope.</summary>
    public IReadOnlyList<(string? ContentType, JsonElement Envelope)> Envelopes => [.. envelopes];

    /// <summary>Waits until <paramref name="done"/> holds for what was received.</summary>
    public async Task<IReadOnlyList<(string Exchange, JsonElement Message)>> WaitForAsync(
        Func<IReadOnlyList<(string Exchange, JsonElement Message)>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Received only {Received.Count} messages: {string.Join(", ", Received.Select(r => r.Exchange))}");
            }

            await Task.Delay(50);
        }

        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
