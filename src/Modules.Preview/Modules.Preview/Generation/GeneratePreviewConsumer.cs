using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Contracts;
using CloudService.Modules.Storage.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Generation;

/// <summary>
/// Generates previews requested over the bus (by an instance whose render slots were all busy). A competing
/// endpoint: each request goes to one instance, where it takes one of the render slots of the file's owner.
/// </summary>
internal sealed class GeneratePreviewConsumer(IStoredFiles files, PreviewStore store, PreviewGenerator generator, LocalRenders renders, RenderTail tail)
    : IConsumer<PreviewRequested>
{
    public async Task Consume(ConsumeContext<PreviewRequested> context)
    {
        var m = context.Message;
        var owner = (await files.FindAsync(m.FileId, context.CancellationToken))?.OwnerId ?? Guid.Empty;
        // The usual case: the request was announced by the instance that renders it. Leaving it here keeps
        // it out of the owner's turn, where it would wait only to find the work done.
        if (await store.IsRenderingAsync(new PreviewKey(m.Sha256, m.ProviderKey, owner), context.CancellationToken))
        {
            return;
        }

        await renders.RunInSlotAsync(
            owner,
            async () =>
            {
                await generator.GenerateAsync(m.FileId, m.Sha256, m.ProviderKey, context.CancellationToken);
                await tail.WhenDoneAsync();
            },
            context.CancellationToken);
    }
}

internal sealed class GeneratePreviewConsumerDefinition : ConsumerDefinition<GeneratePreviewConsumer>
{
    public GeneratePreviewConsumerDefinition(PreviewOptions options)
    {
        EndpointName = "preview-generate";
        ConcurrentMessageLimit = Math.Max(1, options.RenderConcurrency);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<GeneratePreviewConsumer> consumerConfigurator, IRegistrationContext context) =>
        // Provider failures are handled (and cached) by the generator; this only covers the database or broker blinking.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(200, 1000, 5000));
}
