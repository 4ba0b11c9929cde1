using Npgsql;
using NpgsqlTypes;

namespace CloudService.Modules.Preview.Cache;

/// <summary>
/// The preview cache every instance shares, in PostgreSQL schema <c>preview</c> (made by the
/// Bootstrapper's migrations): cached fragments,
/// briefly remembered failures, and the claims that make one generation per key cluster-wide.
/// Every write that finishes a generation notifies <see cref="Channel"/> in the same transaction,
/// so waiting requests on any instance wake as soon as it is committed.
/// </summary>
internal sealed class PreviewStore(PreviewDatabase database)
{
    public const string Channel = "preview_ready";

    /// <summary>Only one instance evicts at a time; the others skip (the next store evicts again).</summary>
    private const long EvictionLock = 0x7072657669657731;

    private NpgsqlDataSource DataSource => database.DataSource;

    /// <summary>The cached preview, else a failure still remembered, else neither: one round trip.</summary>
    public async Task<(CachedPreview? Preview, CachedFailure? Failure)> LookupAsync(PreviewKey key, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand("""
            SELECT html, stylesheet, etag, NULL::text, NULL::boolean, NULL::timestamptz FROM preview.entries WHERE sha256 = $1 AND provider = $2 AND user_id = $3
            UNION ALL
            SELECT NULL, NULL, NULL, reason, timed_out, expires_at FROM preview.failures WHERE sha256 = $1 AND provider = $2 AND user_id = $3 AND expires_at > now()
            """);
        AddKey(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        CachedFailure? failure = null;
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(0))
            {
                return (new CachedPreview(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2)), null);
            }

            failure = new CachedFailure(reader.GetString(3), reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5));
        }

        return (null, failure);
    }

    /// <summary>
    /// Marks a generation as requested (no renderer yet). True only for the one caller that should
    /// publish the request: nobody had claimed the key, or the earlier claim expired. False as well when
    /// the preview (or a remembered failure) is stored already: a request that looked just before a
    /// render finished must find its result, not queue the render again — with a full queue it was
    /// refused with 503 for a preview that was ready.
    /// </summary>
    public async Task<bool> TryQueueAsync(PreviewKey key, TimeSpan lease, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand("""
            INSERT INTO preview.claims (sha256, provider, user_id, owner, expires_at)
            SELECT $1, $2, $3, NULL, now() + $4
            WHERE NOT EXISTS (SELECT 1 FROM preview.entries WHERE sha256 = $1 AND provider = $2 AND user_id = $3)
              AND NOT EXISTS (SELECT 1 FROM preview.failures WHERE sha256 = $1 AND provider = $2 AND user_id = $3 AND expires_at > now())
            ON CONFLICT (sha256, provider, user_id) DO UPDATE SET owner = NULL, expires_at = EXCLUDED.expires_at
                WHERE preview.claims.expires_at < now()
            RETURNING 1
            """);
        AddKey(command.Parameters, key);
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>
    /// Takes the right to render: the key is unclaimed, only queued, or its renderer's lease expired.
    /// False when another renderer holds it.
    /// </summary>
    public async Task<bool> TryStartRenderAsync(PreviewKey key, Guid owner, TimeSpan lease, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand("""
            INSERT INTO preview.claims (sha256, provider, user_id, owner, expires_at) VALUES ($1, $2, $3, $4, now() + $5)
            ON CONFLICT (sha256, provider, user_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE preview.claims.owner IS NULL OR preview.claims.expires_at < now()
            RETURNING 1
            """);
        AddKey(command.Parameters, key);
        command.Parameters.Add(new NpgsqlParameter { Value = owner });
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Whether a renderer (on any instance) holds the key's claim now.</summary>
    public async Task<bool> IsRenderingAsync(PreviewKey key, CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT 1 FROM preview.claims WHERE sha256 = $1 AND provider = $2 AND user_id = $3 AND owner IS NOT NULL AND expires_at > now()");
        AddKey(command.Parameters, key);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Gives a claim up without a result (renderer's, or a queued one when <paramref name="owner"/> is null) and wakes waiters to look again.</summary>
    public async Task ReleaseAsync(PreviewKey key, Guid? owner, CancellationToken ct)
    {
        await using var batch = DataSource.CreateBatch();
        var release = new NpgsqlBatchCommand("DELETE FROM preview.claims WHERE sha256 = $1 AND provider = $2 AND user_id = $3 AND owner IS NOT DISTINCT FROM $4");
        AddKey(release.Parameters, key);
        release.Parameters.Add(new NpgsqlParameter { Value = owner.HasValue ? owner.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        batch.BatchCommands.Add(release);
        batch.BatchCommands.Add(Notify(key.Sha256));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Gives up the queued (not yet rendering) claims of a content and provider, whoever's: the file asked for is gone.</summary>
    public async Task ReleaseQueuedAsync(string sha256, string provider, CancellationToken ct)
    {
        await using var batch = DataSource.CreateBatch();
        var release = new NpgsqlBatchCommand("DELETE FROM preview.claims WHERE sha256 = $1 AND provider = $2 AND owner IS NULL");
        release.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        release.Parameters.Add(new NpgsqlParameter { Value = provider });
        batch.BatchCommands.Add(release);
        batch.BatchCommands.Add(Notify(sha256));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Stores a generated preview, forgets an earlier failure, ends the claim and notifies: one transaction.
    /// It does not wait for the WAL to reach the disk: it is a cache, and should PostgreSQL crash within
    /// the moment before it gets there, the preview is rendered again once the claim's lease runs out.
    /// </summary>
    public async Task SaveAsync(PreviewKey key, CachedPreview preview, Guid owner, CancellationToken ct)
    {
        await using var batch = DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO preview.entries (sha256, provider, user_id, plugin_id, html, stylesheet, etag, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (sha256, provider, user_id) DO UPDATE SET html = EXCLUDED.html, stylesheet = EXCLUDED.stylesheet, etag = EXCLUDED.etag,
                bytes = EXCLUDED.bytes, generations = preview.entries.generations + 1, created_at = now(), last_access = now()
            """);
        AddKey(upsert.Parameters, key);
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)key.PluginId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = preview.Html, NpgsqlDbType = NpgsqlDbType.Bytea });
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)preview.Stylesheet ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = preview.ETag });
        upsert.Parameters.Add(new NpgsqlParameter { Value = SizeOf(preview) });
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(KeyCommand("DELETE FROM preview.failures WHERE sha256 = $1 AND provider = $2 AND user_id = $3", key));
        batch.BatchCommands.Add(OwnedClaimDelete(key, owner));
        batch.BatchCommands.Add(Notify(key.Sha256));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Remembers a failure until <paramref name="ttl"/> has passed, ends the claim and notifies: one transaction.</summary>
    public async Task SaveFailureAsync(PreviewKey key, string reason, bool timedOut, TimeSpan ttl, Guid owner, CancellationToken ct)
    {
        await using var batch = DataSource.CreateBatch();
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO preview.failures (sha256, provider, user_id, plugin_id, reason, timed_out, expires_at) VALUES ($1, $2, $3, $4, $5, $6, now() + $7)
            ON CONFLICT (sha256, provider, user_id) DO UPDATE SET reason = EXCLUDED.reason, timed_out = EXCLUDED.timed_out,
                failed_at = now(), expires_at = EXCLUDED.expires_at
            """);
        AddKey(upsert.Parameters, key);
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)key.PluginId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = reason });
        upsert.Parameters.Add(new NpgsqlParameter { Value = timedOut });
        upsert.Parameters.Add(new NpgsqlParameter { Value = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM preview.failures WHERE expires_at < now() - interval '1 hour'"));
        batch.BatchCommands.Add(OwnedClaimDelete(key, owner));
        batch.BatchCommands.Add(Notify(key.Sha256));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Deletes the least recently used previews until the cache holds at most <paramref name="maxBytes"/>;
    /// <paramref name="keep"/> (the preview just stored) stays. Returns how many went.
    /// </summary>
    public async Task<int> EvictAsync(long maxBytes, PreviewKey keep, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({EvictionLock})", connection, transaction))
        {
            if (!(bool)(await lockCommand.ExecuteScalarAsync(ct))!)
            {
                return 0;
            }
        }

        await using var command = new NpgsqlCommand("""
            WITH ranked AS (
                SELECT sha256, provider, user_id, sum(bytes) OVER (ORDER BY last_access DESC, created_at DESC, sha256, provider, user_id) AS running
                FROM preview.entries)
            DELETE FROM preview.entries e USING ranked r
            WHERE e.sha256 = r.sha256 AND e.provider = r.provider AND e.user_id = r.user_id AND r.running > $1
              AND NOT (e.sha256 = $2 AND e.provider = $3 AND e.user_id = $4)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = maxBytes });
        command.Parameters.Add(new NpgsqlParameter { Value = keep.Sha256 });
        command.Parameters.Add(new NpgsqlParameter { Value = keep.Provider });
        command.Parameters.Add(new NpgsqlParameter { Value = keep.UserId });
        var deleted = await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return deleted;
    }

    /// <summary>Forgets every preview of a content (its last file is gone).</summary>
    public Task<int> PurgeContentAsync(string sha256, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM preview.entries WHERE sha256 = $1; DELETE FROM preview.failures WHERE sha256 = $1", sha256, ct);

    /// <summary>Forgets every preview a plugin rendered, in any version (it was uninstalled).</summary>
    public Task<int> PurgePluginAsync(string pluginId, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM preview.entries WHERE plugin_id = $1; DELETE FROM preview.failures WHERE plugin_id = $1", pluginId, ct);

    /// <summary>Records that these previews were served (coarse: callers batch and throttle it).</summary>
    public async Task TouchAsync(IReadOnlyCollection<PreviewKey> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await using var command = DataSource.CreateCommand("""
            UPDATE preview.entries e SET last_access = now()
            FROM unnest($1::text[], $2::text[], $3::uuid[]) AS t(sha256, provider, user_id)
            WHERE e.sha256 = t.sha256 AND e.provider = t.provider AND e.user_id = t.user_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Sha256).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Provider).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.UserId).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    public static long SizeOf(CachedPreview preview) => preview.Html.LongLength + (preview.Stylesheet?.Length ?? 0);

    private async Task<int> ExecuteAsync(string sql, string value, CancellationToken ct)
    {
        await using var batch = DataSource.CreateBatch();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var command = new NpgsqlBatchCommand(statement);
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            batch.BatchCommands.Add(command);
        }

        return await batch.ExecuteNonQueryAsync(ct);
    }

    private static void AddKey(NpgsqlParameterCollection parameters, PreviewKey key)
    {
        parameters.Add(new NpgsqlParameter { Value = key.Sha256 });
        parameters.Add(new NpgsqlParameter { Value = key.Provider });
        parameters.Add(new NpgsqlParameter { Value = key.UserId });
    }

    private static NpgsqlBatchCommand KeyCommand(string sql, PreviewKey key)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddKey(command.Parameters, key);
        return command;
    }

    private static NpgsqlBatchCommand OwnedClaimDelete(PreviewKey key, Guid owner)
    {
        var command = KeyCommand("DELETE FROM preview.claims WHERE sha256 = $1 AND provider = $2 AND user_id = $3 AND owner = $4", key);
        command.Parameters.Add(new NpgsqlParameter { Value = owner });
        return command;
    }

    private static NpgsqlBatchCommand Notify(string sha256)
    {
        var command = new NpgsqlBatchCommand("SELECT pg_notify('" + Channel + "', $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        return command;
    }
}
