using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Packages;
using CloudService.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudService.Tests.Plugins.Lifecycle;

/// <summary>Issue 14: stream events renamed apart from the contracts; streams stored before the rename still load.</summary>
[Trait("Category", "Integration")]
public sealed class StreamEventNamesTests : IAsyncLifetime
{
    private const string PluginId = "renamed-events";
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    [Fact]
    public async Task Events_stored_under_the_old_type_names_load_as_the_renamed_classes_and_new_ones_keep_those_names()
    {
        await using var app = new AppInstance(environment);
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var manifest = new PluginManifest(PluginId, "Renamed", "1.0.0", "Ada", "Old stream.", "Renamed.dll", "^1.0.0", [], null);
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(PluginId,
                new PackageUploaded("1.0.0", "admin", At, "ab", 1, "renamed.zip", "Renamed"),
                new PackageValidated("1.0.0", "admin", At, manifest, 1));
            await session.SaveChangesAsync();
        }

        // What the code before the rename stored: its type names and CLR names, written raw.
        var serializer = store.Options.Serializer();
        await using (var connection = new NpgsqlConnection(environment.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await InsertRawAsync(connection, 3, "plugin_activated", "PluginActivated", serializer.ToJson(new ActivationRecorded("1.0.0", "admin", At, null, "old-a", 42)));
            await InsertRawAsync(connection, 4, "plugin_deactivated", "PluginDeactivated", serializer.ToJson(new DeactivationRecorded("1.0.0", "admin", At)));
            await InsertRawAsync(connection, 5, "plugin_activated", "PluginActivated", serializer.ToJson(new ActivationRecorded("1.0.0", "admin", At, null, "old-b", 7)));
            await using var bump = new NpgsqlCommand("update cloudservice.mt_streams set version = 5 where id = @id", connection);
            bump.Parameters.AddWithValue("id", PluginId);
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        await using (var query = store.QuerySession())
        {
            var events = await query.Events.FetchStreamAsync(PluginId);
            Assert.Equal(
                [typeof(PackageUploaded), typeof(PackageValidated), typeof(ActivationRecorded), typeof(DeactivationRecorded), typeof(ActivationRecorded)],
                events.Select(e => e.Data.GetType()));
            Assert.Equal("old-b", ((ActivationRecorded)events[4].Data).Instance);

            var state = await query.Events.AggregateStreamAsync<PluginDetails>(PluginId);
            Assert.Equal("1.0.0", state!.ActiveVersion);
            Assert.Equal(5, state.StreamVersion);
            Assert.Equal(PluginStatus.Active, state.Status);
        }

        await using (var session = store.LightweightSession())
        {
            session.Events.Append(PluginId, new DeactivationRecorded("1.0.0", "admin", At));
            await session.SaveChangesAsync();
        }

        // Instances still running the old code can read what the new code writes.
        await using (var connection = new NpgsqlConnection(environment.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var types = new NpgsqlCommand("select type from cloudservice.mt_events where stream_id = @id and version = 6", connection);
            types.Parameters.AddWithValue("id", PluginId);
            Assert.Equal("plugin_deactivated", await types.ExecuteScalarAsync());
        }
    }

    private static async Task InsertRawAsync(NpgsqlConnection connection, long version, string type, string oldClassName, string json)
    {
        await using var insert = new NpgsqlCommand(
            """
            insert into cloudservice.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            values (nextval('cloudservice.mt_events_sequence'), @eventId, @streamId, @version, @data::jsonb, @type, now(), '*DEFAULT*', @clr, false)
            """, connection);
        insert.Parameters.AddWithValue("eventId", Guid.NewGuid());
        insert.Parameters.AddWithValue("streamId", PluginId);
        insert.Parameters.AddWithValue("version", version);
        insert.Parameters.AddWithValue("data", json);
        insert.Parameters.AddWithValue("type", type);
        insert.Parameters.AddWithValue("clr", $"CloudService.Modules.Plugins.Lifecycle.{oldClassName}, CloudService.Modules.Plugins");
        await insert.ExecuteNonQueryAsync();
    }
}
