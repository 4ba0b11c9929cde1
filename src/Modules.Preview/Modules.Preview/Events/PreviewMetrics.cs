using System.Diagnostics.Metrics;

namespace CloudService.Modules.Preview.Events;

/// <summary>The module's measurements (meter <c>CloudService.Preview</c>), exported by the host with the others.</summary>
internal static class PreviewMetrics
{
    public const string MeterName = "CloudService.Preview";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Answered previews by <c>cache</c> = hit | miss: the hit ratio is hit / (hit + miss).</summary>
    private static readonly Counter<long> Served = Meter.CreateCounter<long>("cloudservice.preview.served", description: "Previews answered, by cache hit or miss");

    private static readonly Histogram<double> RenderTime = Meter.CreateHistogram<double>("cloudservice.preview.render.duration", unit: "s",
        description: "Time a provider took to render, by provider (plugin id@version or builtin-text) and outcome");

    public static void Answered(bool hit) => Served.Add(1, new KeyValuePair<string, object?>("cache", hit ? "hit" : "miss"));

    public static void Rendered(string provider, TimeSpan elapsed, bool succeeded) =>
        RenderTime.Record(elapsed.TotalSeconds, new("provider", provider), new("outcome", succeeded ? "ok" : "failed"));
}
