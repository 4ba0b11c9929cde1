using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CloudService.BuildingBlocks.Web;

/// <summary>
/// Receives one file of a multipart request straight into a temporary file, hashing it on the way:
/// nothing is buffered in memory, and an oversized or broken upload leaves no file behind.
/// </summary>
public static class StreamedUpload
{
    private const int ReaderBufferSize = 64 * 1024;

    public sealed record Received(string FileName, string TempPath, long Size, string Sha256);

    public static async Task<(Received? File, IResult? Error)> ReceiveAsync(
        HttpRequest request, string field, long maxBytes, string tempDirectory, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, Problem(400, "Not a multipart upload", $"Send the file as multipart/form-data in a field named '{field}'."));
        }

        if (request.ContentLength > maxBytes + (1 << 20))
        {
            return (null, TooLarge(maxBytes));
        }

        // The module enforces its own limit while streaming; Kestrel's default (30 MB) must not answer first.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + (1 << 20);
        }

        Directory.CreateDirectory(tempDirectory);
        // The reader's default buffer is 4 KB: a large upload became hundreds of thousands of small reads.
        var reader = new MultipartReader(boundary, request.Body, ReaderBufferSize) { BodyLengthLimit = null };
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data")
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, field, StringComparison.Ordinal)
                || (!disposition.FileName.HasValue && !disposition.FileNameStar.HasValue))
            {
                continue;
            }

            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
            var tempPath = Path.Combine(tempDirectory, $"upload-{Guid.NewGuid():N}.tmp");
            try
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long size = 0;
                await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
                    try
                    {
                        int read;
                        while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
                        {
                            size += read;
                            if (size > maxBytes)
                            {
                                throw new UploadTooLargeException();
                            }

                            sha.AppendData(buffer, 0, read);
                            await file.WriteAsync(buffer.AsMemory(0, read), ct);
                        }
                    }
                    finally
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    }
                }

                return (new Received(fileName, tempPath, size, Convert.ToHexStringLower(sha.GetHashAndReset())), null);
            }
            catch (UploadTooLargeException)
            {
                File.Delete(tempPath);
                return (null, TooLarge(maxBytes));
            }
            catch
            {
                File.Delete(tempPath);
                throw;
            }
        }

        return (null, Problem(400, "No file", $"The multipart body has no file in a field named '{field}'."));
    }

    private static IResult TooLarge(long maxBytes) =>
        Problem(413, "Too large", $"The upload is larger than the limit of {maxBytes} bytes.");

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);

    private sealed class UploadTooLargeException : Exception;
}
