using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Packages;

namespace CloudService.Tests.Plugins.Lifecycle;

/// <summary>Issue 14: every rule of "what may happen to a plugin now" is one pure function, tested without a database.</summary>
[Trait("Category", "Unit")]
public sealed class PluginDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private static PluginManifest Manifest(string version) =>
        new("demo", "Demo", version, "Ada", "A demo.", "Demo.dll", "^1.0.0", ["text/plain"], null);

    /// <summary>The state after uploading each version and validating the ready ones, through the aggregate's own Apply methods.</summary>
    private static PluginDetails Plugin(params (string Version, bool Ready)[] versions)
    {
        var state = new PluginDetails { Id = "demo" };
        foreach (var (version, ready) in versions)
        {
            state.Apply(new PackageUploaded(version, "admin", At, "ab", 1, "demo.zip", "Demo"));
            if (ready)
            {
                state.Apply(new PackageValidated(version, "admin", At, Manifest(version), 1));
            }
        }

        return state;
    }

    [Fact]
    public void Activate_chooses_the_newest_ready_version_and_records_nothing_before_it_loaded()
    {
        var decision = PluginDecider.Decide(new Activate("demo", null, null, "admin", At), Plugin(("1.0.0", true), ("1.1.0", true), ("2.0.0", false)));

        Assert.Equal(Outcome.Ok, decision.Outcome);
        Assert.Equal("1.1.0", decision.Target!.Version);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Activating_a_version_that_is_not_ready_is_a_conflict_naming_its_status()
    {
        var decision = PluginDecider.Decide(new Activate("demo", "2.0.0", null, "admin", At), Plugin(("1.0.0", true), ("2.0.0", false)));

        Assert.Equal(Outcome.Conflict, decision.Outcome);
        Assert.Contains("is uploaded, not ready", decision.Detail);
    }

    [Fact]
    public void Activating_what_is_stored_as_active_and_runs_here_already_changes_nothing()
    {
        var plugin = Plugin(("1.0.0", true));
        plugin.Apply(new ActivationRecorded("1.0.0", "admin", At, null, "a", 1));

        Assert.Equal("Already active.", PluginDecider.Decide(new Activate("demo", null, "1.0.0", "admin", At), plugin).Detail);
        Assert.Null(PluginDecider.Decide(new Activate("demo", null, null, "admin", At), plugin).Detail);
    }

    [Fact]
    public void A_version_that_loaded_is_recorded_as_activated_replacing_the_previous_one_and_one_that_did_not_as_failed()
    {
        var plugin = Plugin(("1.0.0", true), ("1.1.0", true));
        plugin.Apply(new ActivationRecorded("1.0.0", "admin", At, null, "a", 1));

        var loaded = PluginDecider.Decide(new RecordActivation("demo", "1.1.0", "a", null, 12, "admin", At), plugin);
        var failed = PluginDecider.Decide(new RecordActivation("demo", "1.1.0", "a", "boom", 12, "admin", At), plugin);

        Assert.Equal(new ActivationRecorded("1.1.0", "admin", At, "1.0.0", "a", 12), Assert.Single(loaded.Events));
        Assert.Equal(Outcome.Failed, failed.Outcome);
        Assert.IsType<PluginActivationFailed>(Assert.Single(failed.Events));
    }

    [Fact]
    public void Deactivate_needs_an_active_version_and_delete_needs_none()
    {
        var plugin = Plugin(("1.0.0", true));
        Assert.Equal(Outcome.Conflict, PluginDecider.Decide(new Deactivate("demo", "admin", At), plugin).Outcome);
        Assert.IsType<UninstallRecorded>(Assert.Single(PluginDecider.Decide(new Uninstall("demo", "admin", At), plugin).Events));

        plugin.Apply(new ActivationRecorded("1.0.0", "admin", At, null, "a", 1));
        Assert.IsType<DeactivationRecorded>(Assert.Single(PluginDecider.Decide(new Deactivate("demo", "admin", At), plugin).Events));
        Assert.Equal(Outcome.Conflict, PluginDecider.Decide(new Uninstall("demo", "admin", At), plugin).Outcome);
    }

    [Fact]
    public void Every_command_on_a_missing_or_deleted_plugin_is_not_found()
    {
        var deleted = Plugin(("1.0.0", true));
        deleted.Apply(new UninstallRecorded("1.0.0", "admin", At, ["1.0.0"]));

        PluginCommand[] commands = [new Activate("demo", null, null, "admin", At), new Deactivate("demo", "admin", At), new Uninstall("demo", "admin", At)];
        foreach (var command in commands)
        {
            Assert.Equal(Outcome.NotFound, PluginDecider.Decide(command, null).Outcome);
            Assert.Equal(Outcome.NotFound, PluginDecider.Decide(command, deleted).Outcome);
        }
    }

    [Fact]
    public void A_lost_race_is_told_by_the_exception_type_wrapped_or_not_never_by_its_name()
    {
        var conflict = new JasperFx.ConcurrencyException("expected version 3", null!);

        Assert.True(Concurrency.IsConflict(conflict));
        Assert.True(Concurrency.IsConflict(new InvalidOperationException("wrapped", conflict)));
        // Its type name says "Concurrency", but it is not Marten's lost race.
        Assert.False(Concurrency.IsConflict(new System.Data.DBConcurrencyException("a DataSet row")));
    }

    [Fact]
    public void Statuses_are_written_and_read_as_the_words_of_the_api()
    {
        var words = Enum.GetValues<PluginStatus>().Select(s => System.Text.Json.JsonSerializer.Serialize(s)).ToList();

        Assert.Equal(["\"uploaded\"", "\"validating\"", "\"ready\"", "\"failed\"", "\"active\"", "\"inactive\"", "\"quarantined\""], words);
        Assert.Equal(PluginStatus.Inactive, System.Text.Json.JsonSerializer.Deserialize<PluginStatus>("\"inactive\""));
    }
}
