using System.Diagnostics;
using Npgsql;

namespace CloudService.Bootstrapper.Migrations;

/// <summary>
/// Brings a database to the schema of this build by running the migrations it has not run yet, each
/// in its own transaction together with its row in the journal <c>cloudservice.schema_migrations</c>.
/// A session advisory lock makes concurrent runs (two instances starting at once) take turns.
/// </summary>
internal sealed class DatabaseMigrator(string connectionString, ILogger<DatabaseMigrator> logger)
{
    /// <summary>The migration that describes the schema of the last release made before migrations existed.</summary>
    public const int Baseline = 1;

    private const long MigrationLock = 0x636c6f75646d6967;

    private const string Journal = "cloudservice.schema_migrations";

    public async Task<IReadOnlyList<MigrationScript>> MigrateAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLock})", ct);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE SCHEMA IF NOT EXISTS cloudservice;
                CREATE TABLE IF NOT EXISTS {Journal} (
                    number     integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    adopted    boolean NOT NULL DEFAULT false);
                """, ct);
            var applied = await ReadJournalAsync(connection, ct);
            if (applied.Count == 0 && await CreatedBeforeMigrationsAsync(connection, ct))
            {
                // A database made by auto-creation (a release before migrations): its schema is the
                // baseline's, so the baseline is recorded as applied, not run.
                foreach (var script in MigrationScripts.All.Take(Baseline))
                {
                    await RecordAsync(connection, null, script, adopted: true, ct);
                    logger.LogInformation("Database created before migrations existed: recorded {Migration} as applied", script.Id);
                }

                applied = await ReadJournalAsync(connection, ct);
            }

            var pending = Compare(applied).Pending;
            foreach (var script in pending)
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                try
                {
                    await ExecuteAsync(connection, transaction, script.Sql, ct);
                }
                catch (PostgresException e)
                {
                    throw new MigrationException($"Migration {script.Id} failed: {e.MessageText} (SQLSTATE {e.SqlState}). Nothing of it was applied.", e);
                }

                await RecordAsync(connection, transaction, script, adopted: false, ct);
                await transaction.CommitAsync(ct);
                logger.LogInformation("Applied migration {Migration}", script.Id);
            }

            logger.LogInformation("Database schema is at migration {Migration} ({Applied} applied now, {Milliseconds} ms)",
                MigrationScripts.All.Count > 0 ? MigrationScripts.All[^1].Id : "none", pending.Count, clock.ElapsedMilliseconds);
            return pending;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None);
            }
        }
    }

    /// <summary>Throws <see cref="MigrationException"/> unless every migration of this build has been applied.</summary>
    public async Task AssertCurrentAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('{Journal}') IS NOT NULL", connection);
        var applied = (bool)(await exists.ExecuteScalarAsync(ct))! ? await ReadJournalAsync(connection, ct) : [];
        var pending = Compare(applied).Pending;
        if (pending.Count > 0)
        {
            throw new MigrationException(
                $"The database schema is behind this version of CloudService: {pending.Count} migration(s) not applied, the first is {pending[0].Id}. " +
                "Run `dotnet CloudService.Bootstrapper.dll migrate` with the same configuration (./run.sh does it), then start again.");
        }
    }

    private static (IReadOnlyList<MigrationScript> Pending, int Applied) Compare(IReadOnlyDictionary<int, string> applied)
    {
        var known = MigrationScripts.All;
        var newest = applied.Count == 0 ? 0 : applied.Keys.Max();
        if (newest > known.Count)
        {
            throw new MigrationException($"The database was migrated by a newer version of CloudService (migration {newest:D4}); this version knows migrations up to {known.Count:D4}.");
        }

        foreach (var script in known.Where(s => applied.ContainsKey(s.Number)))
        {
            if (applied[script.Number] != script.Checksum)
            {
                throw new MigrationException($"Migration {script.Id} was changed after it was applied to this database. Applied migrations must not be edited: add a new one.");
            }
        }

        return (known.Where(s => !applied.ContainsKey(s.Number)).ToList(), applied.Count);
    }

    private static async Task<bool> CreatedBeforeMigrationsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass('cloudservice.mt_events') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<Dictionary<int, string>> ReadJournalAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT number, checksum FROM {Journal}", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(ct))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationScript script, bool adopted, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"INSERT INTO {Journal} (number, name, checksum, adopted) VALUES ($1, $2, $3, $4)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = script.Number });
        command.Parameters.Add(new NpgsqlParameter { Value = script.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = script.Checksum });
        command.Parameters.Add(new NpgsqlParameter { Value = adopted });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The schema cannot be used or brought up to date; the message says what to do.</summary>
internal sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);
