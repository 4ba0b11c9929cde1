using MassTransit;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Events;

/// <summary>
/// Publishes the module's informational events (PreviewRequested for a render done here,
/// PreviewGenerated, PreviewFailed) without anyone waiting for them: a preview never waits for the
/// broker, nor fails when it is down (API.md "Outages and retries"). A publish that cannot finish in
/// time is dropped; these events tell, they do not carry work that would be lost.
/// </summary>
internal sealed class Announcements(IBusControl bus, ILogger<Announcements> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True while the bus has a working connection; a publish now is likely to go through.</summary>
    public bool BrokerAnswers => bus.CheckHealth().Status == BusHealthStatus.Healthy;

    public void Publish<T>(T message)
        where T : class
    {
        if (!BrokerAnswers)
        {
            logger.LogDebug("The broker does not answer: {Event} is not announced", typeof(T).Name);
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(PublishTimeout);
                await bus.Publish(message, timeout.Token);
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Announcing {Event} failed", typeof(T).Name);
            }
        });
    }
}
