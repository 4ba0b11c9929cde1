using CloudService.BuildingBlocks.Diagnostics;
using Marten;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Every appended stream event keeps the trace of what appended it (a request, a validation job), so
/// the lifecycle relay publishes it in that trace instead of starting a new one (issue 22).
/// </summary>
internal sealed class TraceHeaders : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        // On the events themselves: Marten copies session headers onto events before listeners run.
        if (CarriedTrace.Current() is { } traceparent)
        {
            foreach (var e in session.PendingChanges.Streams().SelectMany(s => s.Events))
            {
                e.SetHeader(CarriedTrace.Header, traceparent);
            }
        }

        return Task.CompletedTask;
    }
}
