using CloudService.BuildingBlocks.Errors;
using CloudService.Modules.Plugins.Lifecycle;
using Hangfire;
using Hangfire.Server;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Validates and extracts one uploaded version in the background. Runs under Hangfire with
/// PostgreSQL storage: a restart mid-way re-runs it, so every step is safe to repeat.
/// </summary>
internal sealed class PackageValidationJob(IDocumentStore store, LocalInstall install, PluginsOptions options, TimeProvider clock, ILogger<PackageValidationJob> logger)
{
    private const int Attempts = 3;

    [AutomaticRetry(Attempts = Attempts, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Validate plugin {0} {1}")]
    public async Task RunAsync(string pluginId, string version, string by, PerformContext? context, CancellationToken cancellationToken)
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

        await AppendAsync(pluginId, new ValidationStarted(version, by, clock.GetUtcNow(), options.InstanceName), cancellationToken);
        var reporter = new ProgressReporter(store, clock, PluginProgress.IdFor(pluginId, version));
        for (var attempt = 0; ; attempt++)
        {
            await reporter.ReportAsync(new ValidationProgress(ValidationStage.Received, 0));
            try
            {
                await ValidateAsync(pluginId, version, by, reporter, cancellationToken);
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && Outage.Of(e) != OutageKind.None && attempt < options.ValidationRetryDelays.Count)
            {
                // Held by this job while it waits: the job's claim stays alive, and a restart resumes it.
                var delay = options.ValidationRetryDelays[attempt];
                logger.LogWarning(e, "Validating plugin {PluginId} {Version} failed for a passing reason ({Outage}); trying again in {Delay}", pluginId, version, Outage.Of(e), delay);
                await Task.Delay(delay, clock, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && Outage.Of(e) == OutageKind.DiskFull)
            {
                logger.LogError(e, "Validating plugin {PluginId} {Version} failed: the disk stayed full", pluginId, version);
                await FailAsync(pluginId, version, by, ["Validation could not complete: the server's disk is full. Upload the package again once an administrator has freed space."], reporter, CancellationToken.None);
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (context?.GetJobParameter<int>("RetryCount") ?? Attempts) >= Attempts)
            {
                // The last attempt: a plugin must not stay "validating" for ever because of a fault here.
                // Users see what went wrong, never where on the server (the log has the whole exception).
                logger.LogError(e, "Validating plugin {PluginId} {Version} failed for good", pluginId, version);
                await FailAsync(pluginId, version, by, [$"Validation could not complete: {SafeText.Describe(e)}"], reporter, CancellationToken.None);
                return;
            }
        }
    }

    private async Task ValidateAsync(string pluginId, string version, string by, ProgressReporter reporter, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (await install.CopyValidateAndExtractAsync(pluginId, version, reporter, cancellationToken) is not { } result)
        {
            await FailAsync(pluginId, version, by, ["The package is no longer in the package store."], reporter, cancellationToken);
            return;
        }

        await reporter.FlushAsync();
        if (!result.Succeeded)
        {
            await FailAsync(pluginId, version, by, result.Errors, reporter, cancellationToken, result.Manifest);
            return;
        }

        if (result.Manifest!.Id != pluginId || result.Manifest.Version != version)
        {
            // Cannot happen while the upload reads the same manifest; if it does, the folder is not this version's.
            Directory.Delete(options.VersionDirectory(pluginId, version), recursive: true);
            await FailAsync(pluginId, version, by, [$"The manifest says {result.Manifest.Id} {result.Manifest.Version}, but the package was uploaded as {pluginId} {version}."], reporter, cancellationToken);
            return;
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await AppendAsync(pluginId, new PackageValidated(version, by, clock.GetUtcNow(), result.Manifest, elapsed), cancellationToken);
        await reporter.ReportAsync(new ValidationProgress(ValidationStage.Ready, 100));
        logger.LogInformation("Plugin {PluginId} {Version} is valid and extracted ({Elapsed:0} ms)", pluginId, version, elapsed);
    }

    private async Task FailAsync(string pluginId, string version, string by, IReadOnlyList<string> errors, ProgressReporter reporter, CancellationToken ct, PluginManifest? manifest = null)
    {
        await AppendAsync(pluginId, new PackageValidationFailed(version, by, clock.GetUtcNow(), errors, manifest), ct);
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
    private sealed class ProgressReporter(IDocumentStore store, TimeProvider clock, string id) : IProgress<ValidationProgress>
    {
        private readonly Lock gate = new();
        private ValidationProgress? pending;
        private Task writing = Task.CompletedTask;
        private ValidationProgress last = new(ValidationStage.Received, -1);

        /// <summary>
        /// Called on the validating thread; the write happens in the background. The final stages are
        /// the job's to report, once the outcome is committed to the stream.
        /// </summary>
        public void Report(ValidationProgress progress)
        {
            if (progress.Stage is ValidationStage.Ready or ValidationStage.Failed)
            {
                return;
            }

            lock (gate)
            {
                if (progress.Stage < last.Stage || (progress.Stage == last.Stage && progress.Percent < last.Percent + 5))
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
            lock (gate)
            {
                last = progress;
                pending = null;
            }

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
                UpdatedAt = clock.GetUtcNow(),
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
