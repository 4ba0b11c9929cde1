using CloudService.Modules.Preview.Generation;
using CloudService.Modules.Storage.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Pregeneration;

/// <summary>
/// Renders a new file's preview before anyone asks, when an active plugin provider accepts it. Its
/// endpoint has one slot per instance, apart from the user requests' endpoint, so uploads in bulk
/// never hold up a preview someone is waiting for.
/// </summary>
internal sealed class PregenerateConsumer(ProviderChoice choice, PreviewGenerator generator, PreviewOptions options) : IConsumer<FileUploaded>
{
    public async Task Consume(ConsumeContext<FileUploaded> context)
    {
        var m = context.Message;
        if (!options.PregenerateOnUpload
            || choice.ChoosePlugin(new StoredFile(m.FileId, m.OwnerId, m.Name, m.ContentType, m.Size, m.Sha256, m.UploadedAt)) is not { } key)
        {
            return;
        }

        await generator.GenerateAsync(m.FileId, key, context.CancellationToken);
    }
}

internal sealed class PregenerateConsumerDefinition : ConsumerDefinition<PregenerateConsumer>
{
    public PregenerateConsumerDefinition()
    {
        EndpointName = "preview-pregenerate";
        ConcurrentMessageLimit = 1;
    }
}
