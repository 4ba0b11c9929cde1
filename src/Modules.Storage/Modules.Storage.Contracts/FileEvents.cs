namespace CloudService.Modules.Storage.Contracts;

/// <summary>A user stored a file. Published after the file's metadata was committed.</summary>
/// <param name="FileId">The file's id.</param>
/// <param name="OwnerId">The id of the user who owns the file.</param>
/// <param name="Name">The file's display name (never a path).</param>
/// <param name="ContentType">The MIME type determined from the name and the content.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content; identical content has the same value.</param>
/// <param name="UploadedAt">When the upload completed.</param>
public sealed record FileUploaded(Guid FileId, Guid OwnerId, string Name, string ContentType, long Size, string Sha256, DateTimeOffset UploadedAt);

/// <summary>A user deleted a file.</summary>
/// <param name="FileId">The deleted file's id.</param>
/// <param name="OwnerId">The id of the user who owned the file.</param>
/// <param name="Sha256">The SHA-256 of the deleted file's content.</param>
/// <param name="ContentStillReferenced">Whether other files still have the same content; when false the content is gone.</param>
/// <param name="DeletedAt">When the file was deleted.</param>
public sealed record FileDeleted(Guid FileId, Guid OwnerId, string Sha256, bool ContentStillReferenced, DateTimeOffset DeletedAt);
