using CloudService.BuildingBlocks.Diagnostics;
using Marten;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CloudService.Modules.Storage.Events;

/// <summary>
/// Publishes pending events in the background, oldest first, and deletes each once the broker took
/// it. Requests never wait for the broker: they commit and <see cref="Wake"/> this loop. While the
/// broker is away every attempt is bounded by a timeout and retried with back-off; the events
/// wait in PostgreSQL. One instance at a time publishes (an advisory lock), so instances do not
/// send each other's events twice; a crash between publish and delete can still repeat one
/// (at-least-once, the message id tells duplicates apart). On shutdown the publish under way is
/// finished (this service stops before the bus, which MassTransit registers earlier) and the rest
/// waits for the next start.
/// </summary>
internal sealed class EventOutbox(IDocumentStore store, IBus bus, ILogger<EventOutbox> logger) : BackgroundService
{
    private const int LockClass = 0x53746F62; // "Stob": apart from ContentLocks' "Stor"
    private const int LockKey = 0;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim wake = new(0, 1);

    /// <summary>Something was committed: publish it now rather than at the next sweep.</summary>
    public void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var delay = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(delay, stoppingToken);
                var outcome = await PublishPendingAsync(stoppingToken);
                failures = 0;
                // Another instance holds the lock: look again soon, it may not see what we just committed.
                delay = outcome == Outcome.Busy ? TimeSpan.FromMilliseconds(250) : Sweep;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
                if (failures == 1 || failures % 10 == 0)
                {
                    logger.LogWarning(e, "Cannot publish storage events yet (attempt {Attempt}); they wait in PostgreSQL, next try in {Delay}", failures, delay);
                }
            }
        }
    }

    private enum Outcome { Done, Busy }

    private async Task<Outcome> PublishPendingAsync(CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        if (!await TryLockAsync(connection, ct))
        {
            return Outcome.Busy;
        }

        try
        {
            while (true)
            {
                IReadOnlyList<PendingEvent> batch;
                await using (var query = store.QuerySession())
                {
                    batch = await query.Query<PendingEvent>().OrderBy(e => e.CreatedAt).Take(100).ToListAsync(ct);
                }

                if (batch.Count == 0)
                {
                    return Outcome.Done;
                }

                foreach (var pending in batch)
                {
                    // Stop between events, never during one: a publish cancelled on shutdown may
                    // already have reached the broker and would be sent again by the next start.
                    ct.ThrowIfCancellationRequested();
                    using (var timeout = new CancellationTokenSource(PublishTimeout))
                    using (CarriedTrace.Resume(pending.TraceParent, pending.Message.GetType().Name))
                    {
                        await bus.Publish(pending.Message, pending.Message.GetType(), context => context.MessageId = pending.Id, timeout.Token);
                    }

                    await using var session = store.LightweightSession();
                    session.Delete<PendingEvent>(pending.Id);
                    await session.SaveChangesAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = LockClass });
            unlock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = LockKey });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
