using CloudService.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;

namespace CloudService.Tests.Migrations;

/// <summary>The migrations and the Marten model must describe the same schema.</summary>
[Trait("Category", "Integration")]
public sealed class SchemaDriftTests
{
    [Fact]
    public async Task Every_migration_applied_to_an_empty_database_gives_the_schema_the_model_expects()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment);

        var database = app.Services.GetRequiredService<IDocumentStore>().Storage.Database;
        var migration = await database.CreateMigrationAsync();

        var missing = new StringWriter();
        migration.WriteAllUpdates(missing, database.Migrator, JasperFx.AutoCreate.CreateOrUpdate);
        Assert.True(migration.Difference == SchemaPatchDifference.None,
            "The Marten model needs schema changes no migration makes. Run `scripts/new-migration.sh <name>` and commit the file it writes:\n" + missing);
    }
}
