using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Upload;
using Hangfire;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Validation;

/// <summary>
/// Validates and extracts one uploaded version in the background. Runs under Hangfire with
/// PostgreSQL storage: a restart mid-way re-runs it, so every step is safe to repeat.
/// </summary>
internal sealed class PackageValidationJob(IDocumentStore store, PackageStore packages, PluginsOptions options, ILogger<PackageValidationJob> logger)
{
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Validate plugin {0} {1}")]
    public async Task RunAsync(string pluginId, string version, string by, CancellationToken cancellationToken)
    {
        await using (var query = store.QuerySession())
        {
            var plugin = await query.LoadAsync<PluginDetails>(pluginId, cancellationToken);
            var state = plugin?.Versions.GetValueOrDefault(version);
            if (state is null || state.Status is PluginStatus.Ready or PluginStatus.Failed)
            {
                return; // deleted meanwhile, or a retry of a job that already finished
            }
        }

        await AppendAsync(pluginId, new ValidationStarted(version, by, DateTimeOffset.UtcNow, options.InstanceName), cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var reporter = new ProgressReporter(store, PluginProgress.IdFor(pluginId, version));
        await reporter.ReportAsync(new ValidationProgress(ValidationStage.Received, 0));

        var temp = Path.Combine(options.Root, ".incoming", $"{pluginId}-{version}-{Guid.NewGuid():N}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            if (!await packages.CopyToFileAsync(pluginId, version, temp, cancellationToken))
            {
                await FailAsync(pluginId, version, by, ["The package is no longer in the package store."], reporter, cancellationToken);
                return;
            }

            var validator = new PackageValidator(options.Limits);
            var result = await validator.ValidateAndExtractAsync(temp, options.VersionDirectory(pluginId, version),
                new Progress<ValidationProgress>(p => reporter.Post(p)), cancellationToken);
            await reporter.FlushAsync();
            if (!result.Succeeded)
            {
                await FailAsync(pluginId, version, by, result.Errors.Count > 0 ? result.Errors : ["The package has no valid manifest."], reporter, cancellationToken);
                return;
            }

            if (result.Manifest!.Id != pluginId || result.Manifest.Version != version)
            {
                await FailAsync(pluginId, version, by, [$"The manifest says {result.Manifest.Id} {result.Manifest.Version}, but the package was uploaded as {pluginId} {version}."], reporter, cancellationToken);
                return;
            }

            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await AppendAsync(pluginId, new PackageValidated(version, by, DateTimeOffset.UtcNow, result.Manifest, elapsed), cancellationToken);
            await reporter.ReportAsync(new ValidationProgress(ValidationStage.Ready, 100));
            logger.LogInformation("Plugin {PluginId} {Version} is valid and extracted ({Elapsed:0} ms)", pluginId, version, elapsed);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task FailAsync(string pluginId, string version, string by, IReadOnlyList<string> errors, ProgressReporter reporter, CancellationToken ct)
    {
        await AppendAsync(pluginId, new PackageValidationFailed(version, by, DateTimeOffset.UtcNow, errors), ct);
        await reporter.ReportAsync(new ValidationProgress(ValidationStage.Failed, 100));
        logger.LogWarning("Plugin {PluginId} {Version} failed validation: {Errors}", pluginId, version, string.Join(" | ", errors));
    }

    private async Task AppendAsync(string pluginId, IPluginStreamEvent e, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(pluginId, e);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>Writes progress to its document, at most one write in flight, dropping superseded values.</summary>
    private sealed class ProgressReporter(IDocumentStore store, string id)
    {
        private readonly Lock gate = new();
        private ValidationProgress? pending;
        private Task writing = Task.CompletedTask;
        private ValidationProgress last = new(ValidationStage.Received, -1);

        public void Post(ValidationProgress progress)
        {
            lock (gate)
            {
                if (progress.Stage == last.Stage && progress.Percent < last.Percent + 5)
                {
                    return;
                }

                last = progress;
                pending = progress;
                if (writing.IsCompleted)
                {
                    writing = Task.Run(DrainAsync);
                }
            }
        }

        public async Task FlushAsync()
        {
            Task current;
            lock (gate)
            {
                current = writing;
            }

            await current;
        }

        public async Task ReportAsync(ValidationProgress progress)
        {
            await FlushAsync();
            await WriteAsync(progress);
        }

        private async Task DrainAsync()
        {
            while (true)
            {
                ValidationProgress next;
                lock (gate)
                {
                    if (pending is not { } p)
                    {
                        return;
                    }

                    next = p;
                    pending = null;
                }

                await WriteAsync(next);
            }
        }

        private async Task WriteAsync(ValidationProgress progress)
        {
            await using var session = store.LightweightSession();
            session.Store(new PluginProgress
            {
                Id = id,
                Stage = StageName(progress.Stage),
                Percent = progress.Percent,
                UpdatedAt = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }
    }

    public static string StageName(ValidationStage stage) => stage switch
    {
        ValidationStage.Received => "received",
        ValidationStage.InspectingArchive => "inspecting archive",
        ValidationStage.CheckingManifest => "checking manifest",
        ValidationStage.CheckingAssemblies => "checking assemblies",
        ValidationStage.Extracting => "extracting",
        ValidationStage.Ready => "ready",
        _ => "failed",
    };
}
