using CloudService.Modules.Storage.Contracts;

namespace CloudService.Modules.Storage.Files;

/// <summary>A user's file: metadata only (Marten document in the <c>storage</c> schema); the bytes are the blob named <see cref="Sha256"/>.</summary>
internal sealed class FileRecord
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Name { get; set; } = "";
    public string ContentType { get; set; } = "";
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public DateTimeOffset UploadedAt { get; set; }

    public FileResponse ToResponse() => new(Id, Name, ContentType, Size, Sha256, UploadedAt);

    public StoredFile ToContract() => new(Id, OwnerId, Name, ContentType, Size, Sha256, UploadedAt);
}

/// <summary>What the API says about a file (API.md).</summary>
internal sealed record FileResponse(Guid Id, string Name, string ContentType, long Size, string Sha256, DateTimeOffset UploadedAt);
