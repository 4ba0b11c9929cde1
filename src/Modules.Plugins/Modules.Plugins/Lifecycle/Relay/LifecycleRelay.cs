using CloudService.BuildingBlocks.Diagnostics;
using CloudService.Modules.Plugins.Lifecycle;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Contract = CloudService.Modules.Plugins.Contracts;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Publishes the public lifecycle events from COMMITTED stream events (a Marten subscription run by
/// the async daemon, one instance at a time): nothing is published that was not committed, and a
/// committed event is published at least once — while the broker is down this keeps retrying and
/// the subscription's position does not move. Events are published one by one in stream order.
/// </summary>
internal sealed class LifecycleRelay : SubscriptionBase
{
    public const string RelayName = "plugin-lifecycle-relay";
    private readonly IBus bus;
    private readonly ILogger logger;

    public LifecycleRelay(IBus bus, ILogger<LifecycleRelay> logger)
    {
        this.bus = bus;
        this.logger = logger;
        Name = RelayName;
        IncludeType<PackageUploaded>();
        IncludeType<PackageValidated>();
        IncludeType<PackageValidationFailed>();
        IncludeType<ActivationRecorded>();
        IncludeType<PluginActivationFailed>();
        IncludeType<DeactivationRecorded>();
        IncludeType<UninstallRecorded>();
        IncludeType<RenderFailed>();
        IncludeType<SettingsChanged>();
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
        {
            if (Translate(e) is not { } message)
            {
                continue;
            }

            // Published in the trace of whatever appended the event (TraceHeaders).
            using var span = CarriedTrace.Resume(e.GetHeader(CarriedTrace.Header)?.ToString(), message.GetType().Name);
            await Publishing(message.GetType().Name, e.StreamKey).ExecuteAsync(
                async token => await bus.Publish(message, message.GetType(), token), cancellationToken);
        }

        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Until the broker answers, however long that takes: the subscription must not move past an
    /// event that was not published. Each attempt is bounded; the pause grows to 5 s.
    /// </summary>
    private ResiliencePipeline Publishing(string eventType, string? pluginId) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
            MaxRetryAttempts = int.MaxValue,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (args.AttemptNumber + 1)))),
            OnRetry = args =>
            {
                var attempt = args.AttemptNumber + 1;
                if (attempt == 1 || attempt % 20 == 0)
                {
                    logger.LogWarning(args.Outcome.Exception, "Cannot publish {EventType} of plugin {PluginId} yet (attempt {Attempt}); retrying until the broker answers",
                        eventType, pluginId, attempt);
                }

                return ValueTask.CompletedTask;
            },
        })
        .AddTimeout(TimeSpan.FromSeconds(10))
        .Build();

    internal static object? Translate(IEvent e)
    {
        var id = e.StreamKey!;
        var at = e.Timestamp;
        return e.Data switch
        {
            PackageUploaded u => new Contract.PluginUploaded(e.Id, id, u.Version, at, u.By, e.Version, u.Sha256, u.Size),
            PackageValidated v => new Contract.PluginValidated(e.Id, id, v.Version, at, v.By, e.Version, v.Manifest.Name, v.Manifest.Author, v.Manifest.MimeTypes),
            PackageValidationFailed f => new Contract.PluginValidationFailed(e.Id, id, f.Version, at, f.By, e.Version, f.Errors),
            ActivationRecorded a => new Contract.PluginActivated(e.Id, id, a.Version, at, a.By, e.Version, a.PreviousVersion),
            PluginActivationFailed f => new Contract.PluginFailed(e.Id, id, f.Version, at, f.By, e.Version, f.Reason),
            DeactivationRecorded d => new Contract.PluginDeactivated(e.Id, id, d.Version, at, d.By, e.Version),
            UninstallRecorded u => new Contract.PluginUninstalled(e.Id, id, u.Version, at, u.By, e.Version),
            RenderFailed r => new Contract.PluginFailed(e.Id, id, r.Version, at, r.By, e.Version, r.Reason),
            SettingsChanged s => new Contract.PluginSettingsChanged(e.Id, id, s.Version, at, s.By, e.Version, s.Changed),
            _ => null,
        };
    }
}
