using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CloudService.Modules.Preview.Cache;

/// <summary>The Preview module's own connection pool (its tables live in schema <c>preview</c>).</summary>
internal sealed class PreviewDatabase(IConfiguration configuration) : IAsyncDisposable, IDisposable
{
    private readonly Lazy<NpgsqlDataSource> dataSource = new(() => NpgsqlDataSource.Create(
        configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));

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
