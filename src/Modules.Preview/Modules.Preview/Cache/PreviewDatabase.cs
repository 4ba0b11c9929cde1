using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CloudService.Modules.Preview.Cache;

/// <summary>The Preview module's own connection pool (its tables live in schema <c>preview</c>).</summary>
internal sealed class PreviewDatabase(IConfiguration configuration) : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> dataSource = new(() => NpgsqlDataSource.Create(
        configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));

    public NpgsqlDataSource DataSource => dataSource.Value;

    public string ConnectionString => DataSource.ConnectionString;

    public ValueTask DisposeAsync() => dataSource.IsValueCreated ? dataSource.Value.DisposeAsync() : ValueTask.CompletedTask;
}
