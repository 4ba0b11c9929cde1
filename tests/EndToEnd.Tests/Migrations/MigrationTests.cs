using CloudService.Bootstrapper.Migrations;
using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudService.Tests.Migrations;

/// <summary>The migrate command, the journal, and the refusals an admin may meet.</summary>
[Trait("Category", "Integration")]
public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_applies_every_migration_once_and_a_second_run_applies_none()
    {
        await using var environment = await TestEnvironment.CreateAsync();

        var first = await MigrateCommand.RunAsync(environment);
        var second = await MigrateCommand.RunAsync(environment);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Applied {MigrationScripts.All.Count} migration(s)", first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("The database schema is up to date.", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied", second.Output, StringComparison.Ordinal);
        Assert.Equal(MigrationScripts.All.Select(m => m.Number), await JournalAsync(environment));
    }

    [Fact]
    public async Task The_app_refuses_to_start_while_the_schema_is_behind_when_it_may_not_migrate_itself()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?> { ["CloudService:Database:MigrateOnStartup"] = "false" });

        var refusal = StartRefusal(app);

        Assert.Contains("The database schema is behind this version of CloudService", refusal, StringComparison.Ordinal);
        Assert.Contains("Run `dotnet CloudService.Bootstrapper.dll migrate`", refusal, StringComparison.Ordinal);
        Assert.Empty(await JournalAsync(environment));
        Assert.False(await ExistsAsync(environment, "cloudservice.mt_events"), "nothing may be created while the start is refused");
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_is_refused()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        Assert.Equal(0, (await MigrateCommand.RunAsync(environment)).ExitCode);
        await ExecuteAsync(environment, "UPDATE cloudservice.schema_migrations SET checksum = 'edited' WHERE number = 1");

        var again = await MigrateCommand.RunAsync(environment);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("0001-baseline was changed after it was applied", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_starting_together_apply_each_migration_once()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var a = new AppInstance(environment, "a");
        await using var b = new AppInstance(environment, "b");

        await Task.WhenAll(Task.Run(() => a.Server), Task.Run(() => b.Server));

        Assert.Equal(MigrationScripts.All.Select(m => m.Number), await JournalAsync(environment));
        // Hangfire's own installer may log a lost race of its own here; ours must not fail at all.
        Assert.DoesNotContain(a.Logs.Errors.Concat(b.Logs.Errors), e => e.Category.StartsWith("CloudService.Bootstrapper.Migrations", StringComparison.Ordinal));
    }

    /// <summary>Starts the app, which must refuse: what it said, from the exception and the log.</summary>
    internal static string StartRefusal(AppInstance app)
    {
        var failure = Assert.ThrowsAny<Exception>(() => app.Server);
        var said = new List<string>();
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            said.Add(e.Message);
        }

        said.AddRange(app.Logs.Entries.Select(e => $"{e.Message} {e.Exception?.Message}"));
        return string.Join("\n", said);
    }

    internal static async Task<List<int>> JournalAsync(TestEnvironment environment)
    {
        if (!await ExistsAsync(environment, "cloudservice.schema_migrations"))
        {
            return [];
        }

        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT number FROM cloudservice.schema_migrations ORDER BY number", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var numbers = new List<int>();
        while (await reader.ReadAsync())
        {
            numbers.Add(reader.GetInt32(0));
        }

        return numbers;
    }

    private static async Task<bool> ExistsAsync(TestEnvironment environment, string table)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT to_regclass('{table}') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(TestEnvironment environment, string sql)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
