using System.Diagnostics;

namespace CloudService.BuildingBlocks.Diagnostics;

/// <summary>
/// Carries a trace across a committed row: events are published by a relay or an outbox after the
/// request that caused them has answered, so the row keeps the request's <c>traceparent</c> and the
/// publisher continues that trace (MassTransit's publish and consume spans then join it).
/// </summary>
public static class CarriedTrace
{
    /// <summary>The ActivitySource of the "publish committed event" spans; the app exports it.</summary>
    public const string SourceName = "CloudService.Events";

    /// <summary>The header (Marten event header, outbox field) that keeps it.</summary>
    public const string Header = "traceparent";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C <c>traceparent</c> of the current span, if there is one to carry.</summary>
    public static string? Current() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts the span under which a committed event is published, as a child of the trace the row
    /// carried (a new trace when it carried none or nothing listens). Dispose it after publishing.
    /// </summary>
    public static Activity? Resume(string? traceparent, string what) =>
        ActivityContext.TryParse(traceparent, null, out var parent)
            ? Source.StartActivity("publish " + what, ActivityKind.Producer, parent)
            : Source.StartActivity("publish " + what, ActivityKind.Producer);
}
