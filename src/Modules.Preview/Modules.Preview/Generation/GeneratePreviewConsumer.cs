using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Generation;

/// <summary>
/// Generates previews requested over the bus (by an instance whose render slots were all busy). A competing
/// endpoint: each request goes to one instance, where it takes one of the render slots.
/// </summary>
internal sealed class GeneratePreviewConsumer(PreviewGenerator generator, LocalRenders renders) : IConsumer<PreviewRequested>
{
    public Task Consume(ConsumeContext<PreviewRequested> context) =>
        renders.RunInSlotAsync(
            () => generator.GenerateAsync(context.Message.FileId, new PreviewKey(context.Message.Sha256, context.Message.ProviderKey), context.CancellationToken),
            context.CancellationToken);
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
