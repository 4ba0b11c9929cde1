using System.Globalization;
using Marten;
using Npgsql;

namespace CloudService.Modules.Storage.Blobs;

/// <summary>
/// Serialises, across every instance, the steps that decide whether a blob is still needed: an
/// upload (blob in place, then metadata committed) and a delete (metadata removed, then the blob if
/// nothing else references it). Without it a delete could remove the blob that a concurrent upload
/// of the same content has just decided to reuse. A PostgreSQL transaction-scoped advisory lock is
/// held on a connection of its own; it goes away with the transaction, also when the process dies.
/// </summary>
internal sealed class ContentLocks(IDocumentStore store)
{
    // The two-key form of advisory locks has a key space of its own, apart from single-key locks
    // (Marten's daemon). The class is "Stor"; a collision of two hashes only serialises them.
    private const int LockClass = 0x53746F72;

    public async Task<IAsyncDisposable> AcquireAsync(string sha256, CancellationToken ct)
    {
        var key = int.Parse(ContentHash.Require(sha256)[..8], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            var transaction = await connection.BeginTransactionAsync(ct);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, $2)", connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                await command.ExecuteNonQueryAsync(ct);
            }

            return new Lease(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Lease(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Nothing was written on this connection: ending the transaction only releases the lock.
                await transaction.RollbackAsync();
            }
            finally
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }
}
