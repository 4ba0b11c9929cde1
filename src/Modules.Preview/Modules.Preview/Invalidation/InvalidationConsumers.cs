using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Storage.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Invalidation;

/// <summary>
/// Purges to save space, never for correctness (ADR 4): when the last file with a content is deleted,
/// its previews go; when a plugin is uninstalled, everything it rendered goes. A deactivated plugin's
/// previews stay (re-activating the same version serves them again) until LRU eviction takes them.
/// </summary>
internal sealed class InvalidationConsumer(PreviewStore store, ILogger<InvalidationConsumer> logger) :
    IConsumer<FileDeleted>, IConsumer<PluginUninstalled>
{
    public async Task Consume(ConsumeContext<FileDeleted> context)
    {
        if (!context.Message.ContentStillReferenced)
        {
            var purged = await store.PurgeContentAsync(context.Message.Sha256, context.CancellationToken);
            logger.LogDebug("Content {Sha256} is gone: {Count} previews purged", context.Message.Sha256, purged);
        }
    }

    public async Task Consume(ConsumeContext<PluginUninstalled> context)
    {
        var purged = await store.PurgePluginAsync(context.Message.PluginId, context.CancellationToken);
        logger.LogInformation("Plugin {PluginId} was uninstalled: {Count} previews purged", context.Message.PluginId, purged);
    }
}

internal sealed class InvalidationConsumerDefinition : ConsumerDefinition<InvalidationConsumer>
{
    public InvalidationConsumerDefinition() => EndpointName = "preview-invalidation";
}
