using Marten;
using Npgsql;
using Weasel.Core;

namespace CloudService.Bootstrapper.Migrations;

/// <summary>
/// The app's database commands, run instead of the web host:
/// <c>migrate</c> (an admin's upgrade step; ./run.sh runs it) and <c>migrations add NAME</c> (a
/// developer's: writes the next migration from the Marten model). Both use the app's own
/// configuration, so they see exactly the schema the app would.
/// </summary>
internal abstract class DatabaseCommand
{
    public required string[] HostArgs { get; init; }

    /// <summary>The command named by the first arguments, or null to run the app.</summary>
    public static DatabaseCommand? Parse(string[] args) => args switch
    {
        ["migrate", .. var rest] => new Migrate { HostArgs = rest },
        ["migrations", "add", var name, .. var rest] => AddMigration.Create(name, rest),
        ["migrations", ..] => throw new ArgumentException("Usage: migrations add <name> [--dir <folder>]"),
        _ => null,
    };

    /// <summary>Runs before the app's services are registered, with its configuration.</summary>
    public virtual Task PrepareAsync(IConfiguration configuration) => Task.CompletedTask;

    public abstract Task<int> RunAsync(IServiceProvider services);

    /// <summary>What differs between the Marten model and the database (empty when they agree).</summary>
    protected static async Task<string?> DifferenceFromModelAsync(IServiceProvider services)
    {
        var database = services.GetRequiredService<IDocumentStore>().Storage.Database;
        var migration = await database.CreateMigrationAsync();
        if (migration.Difference == SchemaPatchDifference.None)
        {
            return null;
        }

        var sql = new StringWriter();
        migration.WriteAllUpdates(sql, database.Migrator, JasperFx.AutoCreate.CreateOrUpdate);
        return sql.ToString();
    }

    private sealed class Migrate : DatabaseCommand
    {
        public override async Task<int> RunAsync(IServiceProvider services)
        {
            try
            {
                var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
                if (await DifferenceFromModelAsync(services) is { } drift)
                {
                    await Console.Error.WriteLineAsync(
                        "The migrations ran, but the database still differs from what this version of CloudService expects. " +
                        "Was the schema changed by hand? The missing changes:\n" + drift);
                    return 1;
                }

                Console.WriteLine(applied.Count == 0
                    ? "The database schema is up to date."
                    : $"Applied {applied.Count} migration(s): {string.Join(", ", applied.Select(m => m.Id))}. The database schema is up to date.");
                return 0;
            }
            catch (MigrationException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
        }
    }

    /// <summary>
    /// Applies every migration to a scratch database of its own (beside the configured one), asks
    /// Marten what is still missing for the model, and writes that as the next numbered migration.
    /// </summary>
    private sealed class AddMigration : DatabaseCommand
    {
        private string name = "";
        private string? folder;
        private string scratch = "";
        private string serverConnectionString = "";

        public static AddMigration Create(string name, string[] rest)
        {
            if (!MigrationScripts.TryParseFileName($"0000-{name}.sql", out _, out _))
            {
                throw new ArgumentException($"A migration name is lower-case letters, digits and dashes (add-shares-table), not '{name}'.");
            }

            var dir = Array.IndexOf(rest, "--dir");
            return new AddMigration
            {
                name = name,
                folder = dir >= 0 && dir + 1 < rest.Length ? rest[dir + 1] : null,
                HostArgs = dir >= 0 ? [.. rest[..dir], .. rest[Math.Min(dir + 2, rest.Length)..]] : rest,
            };
        }

        public override async Task PrepareAsync(IConfiguration configuration)
        {
            var configured = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"));
            scratch = $"cloudservice_migration_{Guid.NewGuid():N}"[..40];
            serverConnectionString = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
            await ExecuteOnServerAsync($"CREATE DATABASE \"{scratch}\"");
            configuration["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Database = scratch }.ConnectionString;
        }

        public override async Task<int> RunAsync(IServiceProvider services)
        {
            try
            {
                var target = folder ?? FindMigrationsFolder();
                await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
                if (await DifferenceFromModelAsync(services) is not { } sql)
                {
                    Console.WriteLine("Nothing to add: the migrations already give the schema the model expects.");
                    return 0;
                }

                var next = Directory.EnumerateFiles(target, "*.sql")
                    .Select(f => MigrationScripts.TryParseFileName(Path.GetFileName(f), out var n, out _) ? n : 0)
                    .DefaultIfEmpty(0).Max() + 1;
                var path = Path.Combine(target, $"{next:D4}-{name}.sql");
                await File.WriteAllTextAsync(path,
                    $"-- {next:D4}-{name}: generated by `scripts/new-migration.sh {name}` from the Marten model (Weasel's delta\n" +
                    "-- against a database with every earlier migration applied). Review it; never edit it once released.\n" +
                    sql.ReplaceLineEndings("\n"));
                Console.WriteLine($"Wrote {path}");
                return 0;
            }
            catch (MigrationException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)");
            }
        }

        private static string FindMigrationsFolder()
        {
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "Bootstrapper", "Migrations");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new MigrationException("No src/Bootstrapper/Migrations folder above the current directory: run it in the repository or pass --dir <folder>.");
        }

        private async Task ExecuteOnServerAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(serverConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
