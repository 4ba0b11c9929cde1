using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Storage.Blobs;
using CloudService.Modules.Storage.Delete;
using CloudService.Modules.Storage.Files;
using CloudService.Modules.Storage.Upload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace CloudService.Modules.Storage;

internal static class StorageEndpoints
{
    public static void MapStorageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/files").RequireAuthorization().WithTags("Files");

        api.MapPost("", (HttpContext http, FileUploads uploads, CancellationToken ct) => uploads.UploadAsync(http, ct))
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<FileResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithIdempotency()
            .WithSummary("Upload a file (multipart/form-data, field 'file'); it is streamed, hashed and stored once per content. With an Idempotency-Key, a retry within 24 h gets the first answer.");

        api.MapGet("", async (HttpContext http, StoredFiles files, CancellationToken ct) =>
                TypedResults.Ok((await files.ListAsync(http.User.UserId(), ct)).Select(f => f.ToResponse())))
            .WithSummary("The caller's files, newest first.");

        api.MapGet("/{id:guid}", async Task<Results<Ok<FileResponse>, ProblemHttpResult>> (Guid id, HttpContext http, StoredFiles files, CancellationToken ct) =>
                await files.FindRecordAsync(id, http.User.UserId(), ct) is { } file ? TypedResults.Ok(file.ToResponse()) : NotFound(id))
            .WithSummary("A file's metadata; 404 for unknown ids and other users' files alike.");

        api.MapGet("/{id:guid}/content", DownloadAsync)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The file's bytes as an attachment; Range requests are answered with 206.");

        api.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, FileDeletion deletion, CancellationToken ct) =>
                await deletion.DeleteAsync(id, http.User.UserId(), ct) ? TypedResults.NoContent() : NotFound(id))
            .WithSummary("Delete a file; its content goes too when no other file has the same content.");
    }

    /// <summary>The same answer for "unknown" and "someone else's", so ids reveal nothing.</summary>
    internal static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file", detail: $"There is no file {id}.");

    private static async Task<IResult> DownloadAsync(Guid id, HttpContext http, StoredFiles files, IBlobStore blobs, ILoggerFactory loggers, CancellationToken ct)
    {
        var file = await files.FindRecordAsync(id, http.User.UserId(), ct);
        if (file is null)
        {
            return NotFound(id);
        }

        var content = await blobs.OpenReadAsync(file.Sha256, ct);
        if (content is null)
        {
            loggers.CreateLogger(typeof(StorageEndpoints)).LogError("The content {Sha256} of file {FileId} is missing from the blob store", file.Sha256, file.Id);
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Content missing",
                detail: $"The content of file {id} cannot be read from the store.");
        }

        // Uploaded bytes are never rendered by this origin: always an attachment, no sniffing, no script.
        http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-cache";
        return TypedResults.Stream(content, file.ContentType, file.Name, file.UploadedAt,
            new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
    }
}
