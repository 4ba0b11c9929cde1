using CloudService.BuildingBlocks.Diagnostics;
using CloudService.Modules.Storage.Contracts;
using Marten;

namespace CloudService.Modules.Storage.Events;

/// <summary>
/// An integration event waiting to be published: stored in the same transaction as the metadata
/// change it announces (an outbox), so a committed change is announced even when the broker is
/// down or the process dies before publishing, and nothing uncommitted is ever announced.
/// </summary>
internal sealed class PendingEvent
{
    /// <summary>Also the message id on the bus, so subscribers can drop the rare duplicate.</summary>
    public Guid Id { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public FileUploaded? Uploaded { get; set; }
    public FileDeleted? Deleted { get; set; }

    /// <summary>The trace of the request that committed it, continued when it is published.</summary>
    public string? TraceParent { get; set; }

    public object Message => (object?)Uploaded ?? Deleted ?? throw new InvalidOperationException($"Pending event {Id} is empty.");

    public static void Add(IDocumentSession session, FileUploaded message, DateTimeOffset at) =>
        session.Store(new PendingEvent { Id = Guid.CreateVersion7(), CreatedAt = at, Uploaded = message, TraceParent = CarriedTrace.Current() });

    public static void Add(IDocumentSession session, FileDeleted message, DateTimeOffset at) =>
        session.Store(new PendingEvent { Id = Guid.CreateVersion7(), CreatedAt = at, Deleted = message, TraceParent = CarriedTrace.Current() });
}
