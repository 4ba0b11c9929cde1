using CloudService.Modules.Storage.Contracts;
using MassTransit;

namespace CloudService.Modules.Preview.Serving;

/// <summary>Every instance hears every deletion (a queue of its own) and forgets that the owner may see the file.</summary>
internal sealed class FileDeletedBroadcastConsumer(AccessCache access) : IConsumer<FileDeleted>
{
    public Task Consume(ConsumeContext<FileDeleted> context)
    {
        access.Forget(context.Message.FileId, context.Message.OwnerId);
        return Task.CompletedTask;
    }
}

internal sealed class FileDeletedBroadcastConsumerDefinition : ConsumerDefinition<FileDeletedBroadcastConsumer>
{
    public FileDeletedBroadcastConsumerDefinition(PreviewOptions options) =>
        // A fan-out queue per instance (FACTS.md): non-durable, removed soon after the instance goes.
        Endpoint(e =>
        {
            e.Name = "preview-access";
            e.InstanceId = options.InstanceName;
            e.Temporary = true;
        });
}
