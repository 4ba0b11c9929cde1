using CloudService.Modules.Storage.Blobs;
using CloudService.Modules.Storage.Contracts;
using Marten;

namespace CloudService.Modules.Storage.Files;

/// <summary>
/// The one place that reads file metadata. Owner checks live here so every route and every other
/// module gets the same answer for "not yours" and "does not exist": nothing.
/// </summary>
internal sealed class StoredFiles(IDocumentStore store, IBlobStore blobs) : IStoredFiles
{
    public async Task<FileRecord?> FindRecordAsync(Guid fileId, Guid ownerId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var file = await session.LoadAsync<FileRecord>(fileId, ct);
        return file is not null && file.OwnerId == ownerId ? file : null;
    }

    public async Task<IReadOnlyList<FileRecord>> ListAsync(Guid ownerId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<FileRecord>().Where(f => f.OwnerId == ownerId).OrderByDescending(f => f.UploadedAt).ToListAsync(ct);
    }

    public async Task<StoredFile?> FindAsync(Guid fileId, Guid ownerId, CancellationToken cancellationToken) =>
        (await FindRecordAsync(fileId, ownerId, cancellationToken))?.ToContract();

    public async Task<StoredFile?> FindAsync(Guid fileId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<FileRecord>(fileId, cancellationToken))?.ToContract();
    }

    public async Task<Stream?> OpenContentAsync(string sha256, CancellationToken cancellationToken) =>
        ContentHash.IsValid(sha256) && await IsContentReferencedAsync(sha256, cancellationToken)
            ? await blobs.OpenReadAsync(sha256, cancellationToken)
            : null;

    public async Task<bool> IsContentReferencedAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<FileRecord>().AnyAsync(f => f.Sha256 == sha256, cancellationToken);
    }
}
