using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudService.BuildingBlocks.Diagnostics;
using CloudService.BuildingBlocks.Security;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudService.Bootstrapper.Infrastructure;

/// <summary>
/// Traces from HTTP through the bus and the background jobs into PostgreSQL, metrics for admins on
/// <c>/metrics</c> (Prometheus), and both over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set — and
/// nothing sent anywhere when it is not (issue 22, item 8).
/// </summary>
internal static class Observability
{
    public const string JobsName = "CloudService.Jobs";

    /// <summary>Sources of spans: ours (jobs, publishing committed events), Npgsql's own (PostgreSQL commands) and MassTransit's (publish, consume).</summary>
    private static readonly string[] Sources = [JobsName, CarriedTrace.SourceName, "Npgsql", "MassTransit"];

    private static readonly string[] Meters = [JobsName, "CloudService.Preview", "MassTransit", "Npgsql"];

    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cloudservice", serviceInstanceId: Environment.MachineName + "-" + Environment.ProcessId))
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(o => o.Filter = http =>
                        !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation()
                    .AddSource(Sources);
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(Meters)
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        services.AddHostedService<JobQueueGauges>();
        return services;
    }

    public static void MapMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Roles.AdminPolicy);

    /// <summary>The background job queue as gauges: enqueued, scheduled, processing and failed jobs.</summary>
    private sealed class JobQueueGauges(IMeterFactory meters, JobStorage storage) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var meter = meters.Create(JobsName);
            meter.CreateObservableGauge("cloudservice.jobs.count", () =>
            {
                var statistics = storage.GetMonitoringApi().GetStatistics();
                return new[]
                {
                    new Measurement<long>(statistics.Enqueued, new KeyValuePair<string, object?>("state", "enqueued")),
                    new Measurement<long>(statistics.Scheduled, new KeyValuePair<string, object?>("state", "scheduled")),
                    new Measurement<long>(statistics.Processing, new KeyValuePair<string, object?>("state", "processing")),
                    new Measurement<long>(statistics.Failed, new KeyValuePair<string, object?>("state", "failed")),
                };
            }, description: "Background jobs by state (the queue's depth is 'enqueued')");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// A span around every background job, a child of the request that enqueued it (its trace parent travels
/// as a job parameter), and a count of failed runs. Hangfire has no instrumentation package here.
/// </summary>
internal sealed class JobTelemetry : JobFilterAttribute, IClientFilter, IServerFilter
{
    private const string TraceParent = "traceparent";
    private const string ActivityItem = "cloudservice.activity";
    private static readonly ActivitySource Source = new(Observability.JobsName);
    private static readonly Meter Meter = new(Observability.JobsName);
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("cloudservice.jobs.failures", description: "Job runs that ended in an exception (each retry counts)");
    private static int registered;

    /// <summary>Hangfire keeps filters in a static list: added once per process, whatever the number of hosts.</summary>
    public static void RegisterOnce(IGlobalConfiguration configuration)
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            configuration.UseFilter(new JobTelemetry());
        }
    }

    public void OnCreating(CreatingContext context)
    {
        if (Activity.Current?.Id is { } id)
        {
            context.SetJobParameter(TraceParent, id);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var job = context.BackgroundJob.Job;
        ActivityContext.TryParse(context.GetJobParameter<string>(TraceParent), null, out var parent);
        var activity = Source.StartActivity($"job {job.Type.Name}.{job.Method.Name}", ActivityKind.Consumer, parent);
        activity?.SetTag("hangfire.job.id", context.BackgroundJob.Id);
        context.Items[ActivityItem] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        var activity = context.Items.TryGetValue(ActivityItem, out var item) ? item as Activity : null;
        if (context.Exception is { } e && !context.ExceptionHandled)
        {
            var job = context.BackgroundJob.Job;
            Failures.Add(1, new KeyValuePair<string, object?>("job", $"{job.Type.Name}.{job.Method.Name}"));
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
        }

        activity?.Dispose();
    }
}
