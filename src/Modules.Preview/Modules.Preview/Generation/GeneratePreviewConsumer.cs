using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Generation;

/// <summary>Generates requested previews. A competing endpoint: each request goes to one instance.</summary>
internal sealed class GeneratePreviewConsumer(PreviewGenerator generator) : IConsumer<PreviewRequested>
{
    public Task Consume(ConsumeContext<PreviewRequested> context) =>
        generator.GenerateAsync(context.Message.FileId, new PreviewKey(context.Message.Sha256, context.Message.ProviderKey), context.CancellationToken);
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
