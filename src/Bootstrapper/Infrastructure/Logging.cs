namespace CloudService.Bootstrapper.Infrastructure;

internal static class Logging
{
    /// <summary>Structured logs: JSON lines when <c>Logging:Format</c> is <c>json</c> (containers), readable text otherwise.</summary>
    public static void AddLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // Every line logged inside a request or a job carries its trace and span id (as a scope).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }
    }
}
