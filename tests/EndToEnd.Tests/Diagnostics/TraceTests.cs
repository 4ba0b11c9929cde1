using System.Collections.Concurrent;
using System.Diagnostics;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Diagnostics;

/// <summary>
/// Issue 22: one trace follows a request from HTTP into the Hangfire job it enqueues, its PostgreSQL
/// commands, and through the bus: lifecycle events (published by the relay from committed stream events)
/// and file events (published by the storage outbox) carry the request's trace to their consumers. The
/// app runs in this process, so a plain ActivityListener sees every span it makes; the test picks its
/// own by the trace id it sent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TraceTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly ConcurrentBag<Activity> spans = [];
    private readonly ActivityListener listener = new()
    {
        ShouldListenTo = _ => true,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task A_package_upload_is_one_trace_from_the_request_through_its_validation_job_and_the_database()
    {
        listener.ActivityStopped = spans.Add;
        ActivitySource.AddActivityListener(listener);
        using var admin = await fixture.App.AdminClientAsync();
        var id = "traced-" + Guid.NewGuid().ToString("N")[..8];

        var uploadTrace = ActivityTraceId.CreateRandom();
        admin.DefaultRequestHeaders.Add("traceparent", $"00-{uploadTrace}-{ActivitySpanId.CreateRandom()}-01");
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0"), id);
        admin.DefaultRequestHeaders.Remove("traceparent");
        var upload = await SpansOfAsync(uploadTrace, s => s.Source.Name == "CloudService.Jobs");
        Assert.Contains(upload, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
        Assert.Contains(upload, s => s.Source.Name == "CloudService.Jobs" && s.DisplayName.Contains("Validat", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(upload, s => s.Source.Name == "Npgsql");

        // The activation is published by the relay after the request answered, from the committed event.
        var activationTrace = ActivityTraceId.CreateRandom();
        admin.DefaultRequestHeaders.Add("traceparent", $"00-{activationTrace}-{ActivitySpanId.CreateRandom()}-01");
        (await PluginApi.ActivateAsync(admin, id)).EnsureSuccessStatusCode();
        admin.DefaultRequestHeaders.Remove("traceparent");
        var activation = await SpansOfAsync(activationTrace, s => IsConsumeOf(s, "PluginActivated"));
        Assert.Contains(activation, s => s.Source.Name == "CloudService.Events" && s.DisplayName == "publish PluginActivated");
        Assert.Contains(activation, s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer);
    }

    [Fact]
    public async Task A_file_upload_is_one_trace_from_the_request_through_the_outbox_to_the_consumer_of_FileUploaded()
    {
        listener.ActivityStopped = spans.Add;
        ActivitySource.AddActivityListener(listener);
        using var user = await fixture.App.NewUserClientAsync();

        var trace = ActivityTraceId.CreateRandom();
        user.DefaultRequestHeaders.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        await FilesApi.UploadOkAsync(user, FilesApi.Utf8("# traced\n"), "traced.md");
        var ofUpload = await SpansOfAsync(trace, s => IsConsumeOf(s, "FileUploaded"));
        Assert.Contains(ofUpload, s => s.Source.Name == "CloudService.Events" && s.DisplayName == "publish FileUploaded");
    }

    private static bool IsConsumeOf(Activity span, string message) =>
        span.Source.Name == "MassTransit" && span.Kind == ActivityKind.Consumer
        && span.Tags.Any(t => t.Value?.Contains(message, StringComparison.Ordinal) == true);

    /// <summary>The spans of one trace, once one matching <paramref name="awaited"/> has ended (30 s at most).</summary>
    private async Task<Activity[]> SpansOfAsync(ActivityTraceId trace, Func<Activity, bool> awaited)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!spans.Any(s => s.TraceId == trace && awaited(s)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500);
        var ofTrace = spans.Where(s => s.TraceId == trace).ToArray();
        Assert.True(ofTrace.Any(awaited), "Spans of the trace: " + string.Join(", ", ofTrace.Select(s => $"{s.Source.Name}/{s.Kind}/{s.DisplayName}")));
        return ofTrace;
    }

    public void Dispose() => listener.Dispose();
}
