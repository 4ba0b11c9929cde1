using Npgsql;
using NpgsqlTypes;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Plugin packages live in PostgreSQL, the store every instance shares: an instance on another
/// machine, or one whose plugin folder was wiped, fetches the package from here and extracts it itself.
/// Its table, <c>plugins.packages</c>, is made by the Bootstrapper's migrations.
/// </summary>
internal sealed class PackageStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores a package on <paramref name="connection"/>, inside the transaction that appends its upload
    /// event: of two uploads of one version, the one whose event loses the race rolls its package back
    /// with it, so the stored package is always the one the stream names. A row no event names (the
    /// plugin was deleted and its packages not yet removed) is replaced.
    /// </summary>
    public static async Task SaveAsync(NpgsqlConnection connection, string pluginId, string version, string sha256, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        await using var command = new NpgsqlCommand(
            "INSERT INTO plugins.packages (plugin_id, version, sha256, size, content) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plugin_id, version) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, content = EXCLUDED.content, stored_at = now()",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pluginId });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        command.Parameters.Add(new NpgsqlParameter { Value = file.Length });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = file });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Copies the package to <paramref name="path"/>; false when it is not stored.</summary>
    public async Task<bool> CopyToFileAsync(string pluginId, string version, string path, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT content FROM plugins.packages WHERE plugin_id = $1 AND version = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = pluginId });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        if (!await reader.ReadAsync(ct))
        {
            return false;
        }

        await using var content = await reader.GetStreamAsync(0, ct);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        await content.CopyToAsync(file, ct);
        return true;
    }

    public async Task DeleteAsync(string pluginId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM plugins.packages WHERE plugin_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = pluginId });
        await command.ExecuteNonQueryAsync(ct);
    }
}
