using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Storage.Blobs;
using CloudService.Modules.Storage.Contracts;
using CloudService.Modules.Storage.Events;
using CloudService.Modules.Storage.Files;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Storage.Upload;

/// <summary>
/// Streams the upload to a staged file (hashing on the way), then — holding the lock for its
/// content — moves it into the blob store (or drops it when the content is already stored) and
/// commits the metadata together with the FileUploaded outbox entry.
/// </summary>
internal sealed class FileUploads(IDocumentStore store, IBlobStore blobs, ContentLocks locks, EventOutbox outbox, StorageOptions options, TimeProvider clock, ILogger<FileUploads> logger)
{
    public const string Field = "file";

    public async Task<IResult> UploadAsync(HttpContext http, CancellationToken ct)
    {
        StreamedUpload.Received? received;
        IResult? error;
        try
        {
            (received, error) = await StreamedUpload.ReceiveAsync(http.Request, Field, options.MaxUploadBytes, blobs.StagingDirectory, ct);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && ct.IsCancellationRequested)
        {
            // The client went away mid-upload; the staged file is already gone and nobody is listening.
            logger.LogInformation("An upload by {User} was aborted by the client", http.User.UserName());
            return Results.Empty;
        }

        if (received is null)
        {
            return error!;
        }

        try
        {
            var name = FileNames.Sanitise(received.FileName);
            var file = new FileRecord
            {
                Id = Guid.CreateVersion7(),
                OwnerId = http.User.UserId(),
                Name = name,
                ContentType = await ContentTypes.DetectAsync(name, received.TempPath, ct),
                Size = received.Size,
                Sha256 = received.Sha256,
            };

            await using (await locks.AcquireAsync(file.Sha256, ct))
            {
                // Past this point all bytes are here: finish even if the client goes away.
                var stored = await blobs.PutAsync(file.Sha256, received.TempPath, CancellationToken.None);
                try
                {
                    await using var session = store.LightweightSession();
                    file.UploadedAt = clock.GetUtcNow();
                    session.Store(file);
                    PendingEvent.Add(session, new FileUploaded(file.Id, file.OwnerId, file.Name, file.ContentType, file.Size, file.Sha256, file.UploadedAt), file.UploadedAt);
                    await session.SaveChangesAsync(CancellationToken.None);
                }
                catch when (stored)
                {
                    // No committed file can reference a blob this request just created: remove it while still holding the lock.
                    await blobs.DeleteAsync(file.Sha256, CancellationToken.None);
                    throw;
                }
            }

            outbox.Wake();
            logger.LogInformation("Stored file {FileId} ({Size} bytes, {ContentType}) for {User}", file.Id, file.Size, file.ContentType, http.User.UserName());
            return TypedResults.Created($"/api/files/{file.Id}", file.ToResponse());
        }
        finally
        {
            if (File.Exists(received.TempPath))
            {
                File.Delete(received.TempPath);
            }
        }
    }
}
