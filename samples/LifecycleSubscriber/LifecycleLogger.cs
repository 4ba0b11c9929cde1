using CloudService.Modules.Plugins.Contracts;
using MassTransit;

namespace CloudService.Samples.LifecycleSubscriber;

/// <summary>Logs each lifecycle event once. Delivery is at least once, so duplicates are dropped by <c>EventId</c>.</summary>
internal sealed class LifecycleLogger(SeenEvents seen, ILogger<LifecycleLogger> logger) :
    IConsumer<PluginUploaded>, IConsumer<PluginValidated>, IConsumer<PluginValidationFailed>,
    IConsumer<PluginActivated>, IConsumer<PluginDeactivated>, IConsumer<PluginUninstalled>, IConsumer<PluginFailed>
{
    public Task Consume(ConsumeContext<PluginUploaded> context) => Log(context.Message, $"uploaded ({context.Message.Size} bytes, sha256 {context.Message.Sha256})");

    public Task Consume(ConsumeContext<PluginValidated> context) => Log(context.Message, $"validated: {context.Message.Name} by {context.Message.Author}");

    public Task Consume(ConsumeContext<PluginValidationFailed> context) => Log(context.Message, "failed validation: " + string.Join(" ", context.Message.Errors));

    public Task Consume(ConsumeContext<PluginActivated> context) =>
        Log(context.Message, context.Message.PreviousVersion is { } previous ? $"activated, replacing {previous}" : "activated");

    public Task Consume(ConsumeContext<PluginDeactivated> context) => Log(context.Message, "deactivated");

    public Task Consume(ConsumeContext<PluginUninstalled> context) => Log(context.Message, "uninstalled");

    public Task Consume(ConsumeContext<PluginFailed> context) => Log(context.Message, "failed: " + context.Message.Reason);

    private Task Log(IPluginLifecycleEvent e, string what)
    {
        if (!seen.FirstTime(e.EventId))
        {
            logger.LogDebug("Dropped duplicate {EventId}", e.EventId);
            return Task.CompletedTask;
        }

        logger.LogInformation("{PluginId} {Version} #{StreamVersion} {What} — by {By} at {OccurredAt:O}",
            e.PluginId, e.Version, e.StreamVersion, what, e.By, e.OccurredAt);
        return Task.CompletedTask;
    }
}

/// <summary>The event ids seen lately. A real service would keep them with its own data, in the same transaction.</summary>
internal sealed class SeenEvents
{
    private const int Capacity = 100_000;
    private readonly HashSet<Guid> ids = [];
    private readonly Queue<Guid> order = new();
    private readonly Lock gate = new();

    public bool FirstTime(Guid eventId)
    {
        lock (gate)
        {
            if (!ids.Add(eventId))
            {
                return false;
            }

            order.Enqueue(eventId);
            if (order.Count > Capacity)
            {
                ids.Remove(order.Dequeue());
            }

            return true;
        }
    }
}
