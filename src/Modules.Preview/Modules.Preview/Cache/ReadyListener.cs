using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CloudService.Modules.Preview.Cache;

/// <summary>
/// Holds one connection that LISTENs on <see cref="PreviewStore.Channel"/>
/// and passes each notification to <see cref="ReadyNotifications"/>. Waiters also poll, so a broken
/// connection only slows them down until it is back.
/// </summary>
internal sealed class ReadyListener(PreviewDatabase database, ReadyNotifications notifications, ILogger<ReadyListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Reconnects for as long as the instance runs, a second apart.
        var reconnecting = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !stoppingToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.FromSeconds(1),
                OnRetry = args =>
                {
                    logger.LogWarning(args.Outcome.Exception, "Listening for finished previews failed; reconnecting");
                    notifications.NotifyAll();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            await reconnecting.ExecuteAsync(ListenAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async ValueTask ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => notifications.Notify(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PreviewStore.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Anything finished while no connection listened is found by the waiters' next look.
        notifications.NotifyAll();
        while (true)
        {
            // A quiet connection is probed now and then: a dead one would otherwise wait forever.
            if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
            {
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(stoppingToken);
            }
        }
    }
}
