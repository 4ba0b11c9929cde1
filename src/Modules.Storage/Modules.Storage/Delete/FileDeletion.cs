using CloudService.Modules.Storage.Blobs;
using CloudService.Modules.Storage.Contracts;
using CloudService.Modules.Storage.Events;
using CloudService.Modules.Storage.Files;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Storage.Delete;

/// <summary>
/// Deletes a file's metadata and, when no other file of any user has the same content, its blob.
/// Both happen under the content's lock, so an upload of the same content either committed before
/// (and the blob stays) or starts after (and stores the blob again).
/// </summary>
internal sealed class FileDeletion(IDocumentStore store, IBlobStore blobs, ContentLocks locks, EventOutbox outbox, TimeProvider clock, ILogger<FileDeletion> logger)
{
    /// <summary>False when there is no such file of this owner.</summary>
    public async Task<bool> DeleteAsync(Guid fileId, Guid ownerId, CancellationToken ct)
    {
        FileRecord? file;
        await using (var query = store.QuerySession())
        {
            file = await query.LoadAsync<FileRecord>(fileId, ct);
        }

        if (file is null || file.OwnerId != ownerId)
        {
            return false;
        }

        bool stillReferenced;
        await using (await locks.AcquireAsync(file.Sha256, ct))
        {
            await using var session = store.LightweightSession();
            // Read again under the lock: a concurrent delete of the same file may have won.
            if (await session.LoadAsync<FileRecord>(fileId, ct) is null)
            {
                return false;
            }

            stillReferenced = await session.Query<FileRecord>().AnyAsync(f => f.Sha256 == file.Sha256 && f.Id != fileId, ct);
            session.Delete<FileRecord>(fileId);
            var at = clock.GetUtcNow();
            PendingEvent.Add(session, new FileDeleted(fileId, ownerId, file.Sha256, stillReferenced, at), at);
            await session.SaveChangesAsync(CancellationToken.None);

            if (!stillReferenced)
            {
                try
                {
                    await blobs.DeleteAsync(file.Sha256, CancellationToken.None);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The file is gone for its owner; an unreferenced blob left behind only costs space.
                    logger.LogWarning(e, "Could not remove the blob {Sha256} of deleted file {FileId}", file.Sha256, fileId);
                }
            }
        }

        outbox.Wake();
        return true;
    }
}
