namespace CloudService.Modules.Storage.Blobs;

/// <summary>
/// Content-addressed storage: a blob's name is the lower-case hex SHA-256 of its bytes, so identical
/// content is stored once and no user-provided text ever becomes part of a path or key. The local
/// file system implements it now; a shared object store (S3) can replace it for instances on
/// several machines. Callers serialise writers of one hash with <see cref="ContentLocks"/>.
/// </summary>
internal interface IBlobStore
{
    /// <summary>A local folder for uploads in progress; <see cref="PutAsync"/> takes files from here.</summary>
    string StagingDirectory { get; }

    /// <summary>Stores the staged file under its hash, consuming it. False when the content was already there.</summary>
    Task<bool> PutAsync(string sha256, string stagedPath, CancellationToken ct);

    /// <summary>A seekable read stream over the content, or null when it is not stored.</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct);

    Task<bool> ExistsAsync(string sha256, CancellationToken ct);

    Task DeleteAsync(string sha256, CancellationToken ct);
}
