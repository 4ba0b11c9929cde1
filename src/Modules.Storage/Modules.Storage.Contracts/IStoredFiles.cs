namespace CloudService.Modules.Storage.Contracts;

/// <summary>
/// The synchronous query other modules may ask the Storage module: the metadata and content of a
/// file its owner may see. Another user's file is reported exactly like an unknown one (null).
/// </summary>
public interface IStoredFiles
{
    /// <summary>The file's metadata, or null when it does not exist or is not <paramref name="ownerId"/>'s.</summary>
    Task<StoredFile?> FindAsync(Guid fileId, Guid ownerId, CancellationToken cancellationToken);

    /// <summary>The file's metadata by id alone, for background work started by an authorised request.</summary>
    Task<StoredFile?> FindAsync(Guid fileId, CancellationToken cancellationToken);

    /// <summary>Opens the content with the given SHA-256 for reading, or null when no file holds it any more.</summary>
    Task<Stream?> OpenContentAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Whether any file still holds content with this SHA-256.</summary>
    Task<bool> IsContentReferencedAsync(string sha256, CancellationToken cancellationToken);
}

/// <summary>A stored file's metadata.</summary>
/// <param name="Id">The file's id.</param>
/// <param name="OwnerId">Its owner's user id.</param>
/// <param name="Name">Display name.</param>
/// <param name="ContentType">MIME type.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
/// <param name="UploadedAt">When it was uploaded.</param>
public sealed record StoredFile(Guid Id, Guid OwnerId, string Name, string ContentType, long Size, string Sha256, DateTimeOffset UploadedAt);
