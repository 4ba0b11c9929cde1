using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Cache;

/// <summary>Writes the last-access times <see cref="PreviewCache"/> collected, every few seconds, in one statement.</summary>
internal sealed class TouchFlusher(PreviewCache cache, PreviewStore store, ILogger<TouchFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.TouchAsync(cache.TakeTouches(), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Losing some access times only makes eviction a little less exact.
                logger.LogWarning(e, "Recording preview access times failed");
            }
        }
    }
}
