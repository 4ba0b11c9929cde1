using Marten;
using Polly;
using Polly.Retry;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Appends events that record what happened (an unload, a render failure, an instance that could not
/// follow) rather than decide anything. They carry no expected version, so they never make a command
/// lose its race; but Marten still refuses two appends to one stream at the same moment (two
/// instances unloading the same plugin do exactly that), so a refused append is simply retried.
/// </summary>
internal static class InformationalEvents
{
    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(Concurrency.IsConflict),
            MaxRetryAttempts = 9,
            BackoffType = DelayBackoffType.Linear,
            Delay = TimeSpan.FromMilliseconds(12),
            UseJitter = true,
        })
        .Build();

    public static async Task AppendAsync(IDocumentStore store, string pluginId, IPluginStreamEvent e, CancellationToken ct) =>
        await Retry.ExecuteAsync(async token =>
        {
            await using var session = store.LightweightSession();
            session.Events.Append(pluginId, e);
            await session.SaveChangesAsync(token);
        }, ct);
}
