using System.Security.Cryptography;
using CloudService.Modules.Plugins.Packages;
using static CloudService.Tests.Plugins.Validation.CraftedZips;
using static CloudService.Tests.Plugins.Validation.ValidationAssert;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>How a validation runs: stages and progress, every problem at once, and all-or-nothing extraction.</summary>
[Trait("Category", "Unit")]
public sealed class ExtractionTests : IDisposable
{
    private readonly ValidationSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task Progress_goes_through_every_stage_in_order_with_rising_percentages()
    {
        var items = ValidPackage();
        items.AddRange(Enumerable.Range(0, 20).Select(i => File($"test-plugin/assets/{i}.bin", RandomNumberGenerator.GetBytes(512 * 1024))));

        Succeeds(await sandbox.ValidateAsync(Zip(items)));

        Assert.Equal(
            [ValidationStage.InspectingArchive, ValidationStage.CheckingManifest, ValidationStage.CheckingAssemblies, ValidationStage.Extracting, ValidationStage.Ready],
            sandbox.Progress.Select(p => p.Stage).Distinct());
        Assert.Equal(sandbox.Progress.Select(p => p.Percent).Order(), sandbox.Progress.Select(p => p.Percent));
        Assert.Equal(new ValidationProgress(ValidationStage.Ready, 100), sandbox.Progress[^1]);
        Assert.True(sandbox.Progress.Count(p => p.Stage == ValidationStage.Extracting) > 3, "Extracting 10 MB should report its progress as it goes.");
    }

    [Fact]
    public async Task A_failed_validation_ends_with_the_failed_stage()
    {
        await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.NoPluginSource)));

        Assert.Equal(new ValidationProgress(ValidationStage.Failed, 100), sandbox.Progress[^1]);
    }

    [Fact]
    public async Task Every_problem_is_reported_not_just_the_first()
    {
        var items = ValidPackage(source: TestPlugins.NoPluginSource, manifest: m =>
        {
            m["id"] = "Bad_Id";
            m["author"] = null;
            m["sdkVersion"] = "^3.0.0";
        });
        items.Add(File("test-plugin/../evil.txt", "x"));
        items.Add(new Item("test-plugin/link", "/etc"u8.ToArray(), UnixMode: Symlink));
        items.Add(File("test-plugin/CloudService.Plugins.Sdk.dll", System.IO.File.ReadAllBytes(TestPlugins.SdkAssemblyPath)));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/../evil.txt", "'..' segment");
        FailsNaming(result, "test-plugin/link", "symbolic link");
        FailsNaming(result, "test-plugin/CloudService.Plugins.Sdk.dll", "copy of the SDK");
        FailsNaming(result, "test-plugin/TestPlugin.dll", "no public, non-abstract class");
        FailsSaying(result, "id 'Bad_Id' is not a lower-case slug");
        FailsSaying(result, "lacks the required field 'author'");
        FailsSaying(result, "sdkVersion '^3.0.0' does not include");
        Assert.Equal(7, result.Errors.Count);
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Thousands_of_bad_entries_give_a_bounded_report()
    {
        var items = ValidPackage();
        items.AddRange(Enumerable.Range(0, 500).Select(i => File($"test-plugin/../evil{i}.txt", "x")));

        var result = await sandbox.ValidateAsync(Zip(items));

        Assert.Equal(Problems.MaxReported + 1, result.Errors.Count);
        Assert.Contains("400 more problems", result.Errors[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_leaves_other_versions_and_other_plugins_untouched()
    {
        Succeeds(await sandbox.ValidateAsync(Zip(ValidPackage(version: "0.9.0")), version: "0.9.0"));
        Succeeds(await sandbox.ValidateAsync(Zip(ValidPackage(id: "other-plugin")), id: "other-plugin"));
        var before = sandbox.Written();

        var items = ValidPackage();
        items.Add(File("test-plugin/../0.9.0/TestPlugin.dll", "overwritten"));
        items.Add(File("test-plugin/../../other-plugin/1.0.0/plugin.json", "overwritten"));
        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/../0.9.0/TestPlugin.dll", "'..' segment");

        Assert.Equal(before, sandbox.Written());
        Assert.DoesNotContain("overwritten", System.IO.File.ReadAllText(Path.Combine(sandbox.Target("other-plugin"), "plugin.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_left_at_the_target_by_an_interrupted_run_is_replaced_whole_and_stale_staging_is_removed()
    {
        var target = sandbox.Target();
        Directory.CreateDirectory(target);
        await System.IO.File.WriteAllTextAsync(Path.Combine(target, "stale.txt"), "from a run that crashed after its rename");
        var staleStaging = Path.Combine(Path.GetDirectoryName(target)!, ".1.0.0.staging-0123456789abcdef");
        Directory.CreateDirectory(staleStaging);

        Succeeds(await sandbox.ValidateAsync(Zip(ValidPackage())));

        Assert.Equal(["TestPlugin.dll", "plugin.json"], Directory.EnumerateFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([target], Directory.EnumerateDirectories(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task Cancelling_mid_extraction_leaves_no_partial_folder()
    {
        var items = ValidPackage();
        items.AddRange(Enumerable.Range(0, 50).Select(i => File($"test-plugin/assets/{i}.bin", RandomNumberGenerator.GetBytes(256 * 1024))));
        await System.IO.File.WriteAllBytesAsync(sandbox.PackagePath, Zip(items));
        using var cancel = new CancellationTokenSource();
        var progress = new CancelOn(ValidationStage.Extracting, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new PackageValidator(sandbox.Limits).ValidateAndExtractAsync(sandbox.PackagePath, sandbox.Target(), progress, cancel.Token));

        Assert.True(progress.Cancelled);
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public void Peek_reads_the_id_and_version_without_extracting_anything()
    {
        using var package = new MemoryStream(Zip(ValidPackage(version: "2.1.0-beta.1")));

        var peek = new PackageValidator(new PackageLimits()).PeekManifest(package);

        Assert.Empty(peek.Errors);
        Assert.Equal(("test-plugin", "2.1.0-beta.1"), (peek.Manifest!.Id, peek.Manifest.Version));
    }

    [Theory]
    [InlineData("not a zip at all", "not a ZIP archive")]
    [InlineData("", "empty")]
    public void Peek_refuses_what_is_plainly_not_a_zip(string content, string reason)
    {
        using var package = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));

        var peek = new PackageValidator(new PackageLimits()).PeekManifest(package);

        Assert.Null(peek.Manifest);
        Assert.Contains(peek.Errors, e => e.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Peek_refuses_a_package_without_a_readable_manifest()
    {
        var validator = new PackageValidator(new PackageLimits());

        Assert.Contains("no plugin.json", validator.PeekManifest(new MemoryStream(Zip(File("readme.txt", "hello")))).Errors.Single(), StringComparison.Ordinal);
        Assert.Contains("not valid JSON", validator.PeekManifest(new MemoryStream(Zip(File("p/plugin.json", "{ nope")))).Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Peek_refuses_an_unusable_id_but_leaves_deeper_problems_to_the_validation()
    {
        var validator = new PackageValidator(new PackageLimits());

        var badId = validator.PeekManifest(new MemoryStream(Zip(ValidPackage(manifest: m => m["id"] = "../../etc"))));
        var deeper = validator.PeekManifest(new MemoryStream(Zip(ValidPackage(manifest: m => { m["author"] = null; m["sdkVersion"] = "^9.0.0"; }))));

        Assert.Contains("not a lower-case slug", badId.Errors.Single(), StringComparison.Ordinal);
        Assert.Empty(deeper.Errors);
        Assert.Equal("test-plugin", deeper.Manifest!.Id);
    }

    private sealed class CancelOn(ValidationStage stage, CancellationTokenSource cancel) : IProgress<ValidationProgress>
    {
        public bool Cancelled { get; private set; }

        public void Report(ValidationProgress value)
        {
            if (value.Stage == stage && !Cancelled)
            {
                Cancelled = true;
                cancel.Cancel();
            }
        }
    }
}
