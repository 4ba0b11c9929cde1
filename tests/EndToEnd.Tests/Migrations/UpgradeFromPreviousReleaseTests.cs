using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Bootstrapper.Migrations;
using CloudService.Tests.Infrastructure;
using Npgsql;

namespace CloudService.Tests.Migrations;

/// <summary>
/// An admin upgrades from the last release made before migrations: its database (a pg_dump taken
/// from that release, Assets/make-release-dump.sh) and blob store are restored, `migrate` runs, and
/// the new version serves what the old one stored.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UpgradeFromPreviousReleaseTests
{
    private static readonly string Assets = Path.Combine(RepositoryRoot.Path, "tests", "EndToEnd.Tests", "Migrations", "Assets");
    private static readonly Dictionary<string, string?> NoMigrationOnStart = new() { ["CloudService:Database:MigrateOnStartup"] = "false" };

    [Fact]
    public async Task After_migrate_the_new_version_serves_the_users_files_and_plugins_of_the_previous_release()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await RestoreAsync(environment, Path.Combine(Assets, "release-1.dump"));
        CopyDirectory(Path.Combine(Assets, "release-1-data", "blobs"), Path.Combine(environment.DataRoot, "a", "blobs"));

        await using (var notYet = new AppInstance(environment, settings: NoMigrationOnStart))
        {
            Assert.Contains("The database schema is behind", MigrationTests.StartRefusal(notYet), StringComparison.Ordinal);
        }

        var migrate = await MigrateCommand.RunAsync(environment);

        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Assert.Contains("recorded 0001-baseline as applied", migrate.Output, StringComparison.Ordinal);
        Assert.Equal(MigrationScripts.All.Select(m => m.Number), await MigrationTests.JournalAsync(environment));

        await using var app = new AppInstance(environment, settings: NoMigrationOnStart);
        using var alice = await app.ClientForAsync("alice", "release-user-password");
        var files = await alice.GetFromJsonAsync<JsonElement[]>("/api/files");
        Assert.Equal(["notes.md", "table.csv"], files!.Select(f => f.GetProperty("name").GetString()).Order());
        var notes = files!.Single(f => f.GetProperty("name").GetString() == "notes.md").GetProperty("id").GetGuid();
        Assert.Equal("# Release notes\n\nStored before migrations existed.\n", await alice.GetStringAsync($"/api/files/{notes}/content"));

        using var admin = await app.ClientForAsync("admin", "release-admin-password");
        var plugin = await admin.GetFromJsonAsync<JsonElement>("/api/admin/plugins/csv-preview");
        Assert.Equal("active", plugin.GetProperty("status").GetString());
        var table = files!.Single(f => f.GetProperty("name").GetString() == "table.csv").GetProperty("id").GetGuid();
        using var preview = await alice.GetAsync($"/api/files/{table}/preview?waitMs=30000");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.StartsWith("csv-preview@", preview.Headers.GetValues("X-Preview-Provider").Single(), StringComparison.Ordinal);
        Assert.Empty(app.Logs.Errors);
    }

    private static async Task RestoreAsync(TestEnvironment environment, string dump)
    {
        var target = new NpgsqlConnectionStringBuilder(environment.PostgresConnectionString);
        var start = new ProcessStartInfo(PgRestore()) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--no-owner", "--no-acl", "--exit-on-error", "-h", target.Host!, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", target.Username!, "-d", target.Database!, dump })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = target.Password;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "pg_restore failed: " + await error);
    }

    /// <summary>pg_restore from PATH, else the newest of Debian's server packages.</summary>
    private static string PgRestore()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "pg_restore")).FirstOrDefault(File.Exists);
        return onPath
            ?? (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Order().Select(d => Path.Combine(d, "bin", "pg_restore")).LastOrDefault(File.Exists) : null)
            ?? throw new InvalidOperationException("pg_restore not found: install postgresql-client.");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
