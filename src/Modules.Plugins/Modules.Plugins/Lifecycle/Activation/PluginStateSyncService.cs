using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>On start-up "load all enabled"; afterwards a periodic reconcile.</summary>
internal sealed class PluginStateSyncService(PluginConvergence convergence, PluginsOptions options, TimeProvider clock, ILogger<PluginStateSyncService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Root);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ReconcileInterval, clock);
        do
        {
            try
            {
                await convergence.ConvergeAllAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Reconciling plugin state failed; trying again in {Interval}", options.ReconcileInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
