namespace CloudService.Bootstrapper.Migrations;

/// <summary>
/// Runs before every other hosted service starts: applies the migrations (Development, tests) or
/// refuses to start when the schema is behind (Production, where `migrate` is an admin's step).
/// </summary>
internal sealed class SchemaOnStartup(DatabaseMigrator migrator, bool migrate) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) =>
        migrate ? migrator.MigrateAsync(cancellationToken) : migrator.AssertCurrentAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
