using CloudService.BuildingBlocks.Web;
using Npgsql;
using NpgsqlTypes;

namespace CloudService.Bootstrapper.Infrastructure;

/// <summary>
/// Idempotency answers in PostgreSQL, shared by every instance. A request holds a session-level advisory
/// lock on its (user, route, key) on a connection of its own while it runs: a duplicate sent meanwhile
/// to any instance is told it is in progress, and when a process dies its connection and lock go with
/// it, so a retry after a crash runs at once instead of waiting for a lease to expire. The table comes
/// from migration 0005.
/// </summary>
internal sealed class IdempotencyStore(IConfiguration configuration) : IIdempotencyStore, IAsyncDisposable
{
    /// <summary>First half of the two-int advisory lock key: keeps these locks apart from other advisory locks.</summary>
    private const int LockClass = 0x1DE7;

    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(configuration.PostgresConnectionString());

    public async Task<IIdempotencyClaim?> TryClaimAsync(Guid userId, string route, string key, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var id = $"{userId:N} {route} {key}";
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", connection))
            {
                lockCommand.Parameters.Add(new NpgsqlParameter { Value = LockClass });
                lockCommand.Parameters.Add(new NpgsqlParameter { Value = id });
                if (await lockCommand.ExecuteScalarAsync(ct) is not true)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }

            await using var select = new NpgsqlCommand("""
                SELECT request_sha256, status, content_type, location, body FROM idempotency.answers
                WHERE user_id = $1 AND route = $2 AND key = $3 AND created_at > now() - interval '24 hours'
                """, connection);
            select.Parameters.Add(new NpgsqlParameter { Value = userId });
            select.Parameters.Add(new NpgsqlParameter { Value = route });
            select.Parameters.Add(new NpgsqlParameter { Value = key });
            IdempotentAnswer? stored = null;
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    stored = new IdempotentAnswer(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3), (byte[])reader.GetValue(4));
                }
            }

            return new Claim(connection, userId, route, key, id, stored);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync();
    }

    private sealed class Claim(NpgsqlConnection connection, Guid userId, string route, string key, string id, IdempotentAnswer? stored) : IIdempotencyClaim
    {
        public IdempotentAnswer? Stored => stored;

        public async Task StoreAsync(IdempotentAnswer answer, CancellationToken ct)
        {
            // Answers older than a day are expired: replaced here, and deleted now and then by whoever stores.
            await using var batch = new NpgsqlBatch(connection);
            var upsert = new NpgsqlBatchCommand("""
                INSERT INTO idempotency.answers (user_id, route, key, request_sha256, status, content_type, location, body)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (user_id, route, key) DO UPDATE SET request_sha256 = EXCLUDED.request_sha256, status = EXCLUDED.status,
                    content_type = EXCLUDED.content_type, location = EXCLUDED.location, body = EXCLUDED.body, created_at = now()
                """);
            upsert.Parameters.Add(new NpgsqlParameter { Value = userId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = route });
            upsert.Parameters.Add(new NpgsqlParameter { Value = key });
            upsert.Parameters.Add(new NpgsqlParameter { Value = answer.RequestSha256 });
            upsert.Parameters.Add(new NpgsqlParameter { Value = answer.Status });
            upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter { Value = answer.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
            batch.BatchCommands.Add(upsert);
            if (Random.Shared.Next(100) == 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM idempotency.answers WHERE created_at < now() - interval '24 hours'"));
            }

            await batch.ExecuteNonQueryAsync(ct);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1, hashtext($2))", connection);
                unlock.Parameters.Add(new NpgsqlParameter { Value = LockClass });
                unlock.Parameters.Add(new NpgsqlParameter { Value = id });
                await unlock.ExecuteScalarAsync();
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
