using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CloudService.Modules.Preview.Cache;

/// <summary>The Preview module's own connection pool (its tables live in schema <c>preview</c>).</summary>
/// <remarks>
/// Bounded (<see cref="PreviewOptions.DatabaseConnections"/>): a burst of preview requests queues for a
/// connection for a moment instead of taking PostgreSQL's last free slots from the other modules.
/// </remarks>
internal sealed class PreviewDatabase(IConfiguration configuration, PreviewOptions options) : IAsyncDisposable, IDisposable
{
    private readonly Lazy<NpgsqlDataSource> dataSource = new(() =>
    {
        var connectionString = new NpgsqlConnectionStringBuilder(
            configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured."));
        connectionString.MaxPoolSize = Math.Min(connectionString.MaxPoolSize, Math.Max(2, options.DatabaseConnections));
        connectionString.ApplicationName ??= "cloudservice-preview";
        return NpgsqlDataSource.Create(connectionString);
    });

    public NpgsqlDataSource DataSource => dataSource.Value;

    public string ConnectionString => DataSource.ConnectionString;

    public void Dispose()
    {
        if (dataSource.IsValueCreated)
        {
            dataSource.Value.Dispose();
        }
    }

    public ValueTask DisposeAsync() => dataSource.IsValueCreated ? dataSource.Value.DisposeAsync() : ValueTask.CompletedTask;
}
