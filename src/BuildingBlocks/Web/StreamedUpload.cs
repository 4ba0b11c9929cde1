using System.Buffers;
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
    private const int ChunkSize = 1024 * 1024;

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
        while ((section = await NextSectionAsync(reader, ct)) is not null && section != Cut)
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
                var (size, sha256) = await CopyAsync(section.Body, tempPath, maxBytes, ct);
                return (new Received(fileName, tempPath, size, sha256), null);
            }
            catch (UploadTooLargeException)
            {
                File.Delete(tempPath);
                return (null, TooLarge(maxBytes));
            }
            catch (TruncatedUploadException)
            {
                File.Delete(tempPath);
                return (null, Truncated());
            }
            catch
            {
                File.Delete(tempPath);
                throw;
            }
        }

        return section == Cut
            ? (null, Truncated())
            : (null, Problem(400, "No file", $"The multipart body has no file in a field named '{field}'."));
    }

    /// <summary>Stands for a body that ended inside a section's headers.</summary>
    private static readonly MultipartSection Cut = new();

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            return Cut;
        }
    }

    /// <summary>
    /// Copies the body to a new file in chunks of <see cref="ChunkSize"/>, hashing it on the way, and returns
    /// once the file is on the disk: a 201 must not name a file a power cut can take back. Two chunks take
    /// turns: while one is hashed and written (on the thread pool), the next fills from the network. Each
    /// stretch written is handed to the disk at once (<see cref="Writeback"/>), so the final flush has little
    /// left to wait for and the disk works while the network does.
    /// </summary>
    private static async Task<(long Size, string Sha256)> CopyAsync(Stream body, string path, long maxBytes, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        byte[][] chunks = [ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize)];
        var storing = Task.CompletedTask;
        long size = 0;
        try
        {
            for (var turn = 0; ; turn ^= 1)
            {
                var chunk = chunks[turn];
                var filled = await FillAsync(body, chunk, ct);
                if (filled == 0)
                {
                    break;
                }

                size += filled;
                if (size > maxBytes)
                {
                    throw new UploadTooLargeException();
                }

                // In order: the previous chunk is hashed and written before this one starts, and the chunk
                // filled next is the one whose store this awaits.
                await storing;
                var offset = size - filled;
                storing = Task.Run(() =>
                {
                    sha.AppendData(chunk, 0, filled);
                    RandomAccess.Write(file, chunk.AsSpan(0, filled), offset);
                    Writeback.Start(file, offset, filled);
                }, CancellationToken.None);
            }

            await storing;
            RandomAccess.FlushToDisk(file);
            return (size, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            // A chunk goes back to the pool only once nothing writes from it any more.
            await storing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            ArrayPool<byte>.Shared.Return(chunks[0]);
            ArrayPool<byte>.Shared.Return(chunks[1]);
        }
    }

    /// <summary>Reads until <paramref name="chunk"/> is full or the body ends; returns how much it holds.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] chunk, CancellationToken ct)
    {
        var filled = 0;
        int read;
        try
        {
            while (filled < chunk.Length && (read = await body.ReadAsync(chunk.AsMemory(filled), ct)) > 0)
            {
                filled += read;
            }
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            // The multipart reader's "unexpected end of stream" (and Kestrel's for a body cut short): the
            // client sent less than a whole upload, which is a bad request, not a server error.
            throw new TruncatedUploadException();
        }

        return filled;
    }

    private static IResult TooLarge(long maxBytes) =>
        Problem(413, "Too large", $"The upload is larger than the limit of {maxBytes} bytes.");

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);

    private static IResult Truncated() =>
        Problem(400, "Incomplete upload", "The multipart body ended before the file did (the upload was cut short); send it again.");

    private sealed class UploadTooLargeException : Exception;

    private sealed class TruncatedUploadException : Exception;
}
