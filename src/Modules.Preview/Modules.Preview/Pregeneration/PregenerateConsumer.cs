using CloudService.Modules.Preview.Generation;
using CloudService.Modules.Storage.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Pregeneration;

/// <summary>
/// Renders a new file's preview before anyone asks, when an active plugin provider accepts it. Its
/// endpoint takes one message at a time per instance, and the render takes a slot from the uploader's
/// share (LocalRenders), so uploads in bulk never hold up a preview another user is waiting for.
/// </summary>
internal sealed class PregenerateConsumer(ProviderChoice choice, PreviewGenerator generator, LocalRenders renders, RenderTail tail, PreviewOptions options) : IConsumer<FileUploaded>
{
    public async Task Consume(ConsumeContext<FileUploaded> context)
    {
        var m = context.Message;
        if (!options.PregenerateOnUpload
            || choice.ChoosePlugin(new StoredFile(m.FileId, m.OwnerId, m.Name, m.ContentType, m.Size, m.Sha256, m.UploadedAt)) is not { } key)
        {
            return;
        }

        await renders.RunInSlotAsync(
            m.OwnerId,
            async () =>
            {
                await generator.GenerateAsync(m.FileId, key.Sha256, key.Provider, context.CancellationToken);
                await tail.WhenDoneAsync();
            },
            context.CancellationToken);
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
