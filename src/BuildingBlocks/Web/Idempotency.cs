using System.Security.Cryptography;
using CloudService.BuildingBlocks.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.BuildingBlocks.Web;

/// <summary>The first answer to a request with an <c>Idempotency-Key</c>, kept for replays.</summary>
public sealed record IdempotentAnswer(string RequestSha256, int Status, string? ContentType, string? Location, byte[] Body);

/// <summary>
/// Exclusive use of one (user, route, key) while a request runs: a second request with the same key
/// waits for nothing and is told to come back (409), and a request of a process that died releases it.
/// </summary>
public interface IIdempotencyClaim : IAsyncDisposable
{
    /// <summary>The answer stored for this key within the last 24 hours, if any.</summary>
    IdempotentAnswer? Stored { get; }

    Task StoreAsync(IdempotentAnswer answer, CancellationToken ct);
}

public interface IIdempotencyStore
{
    /// <summary>The claim on (user, route, key); null while another request holds it.</summary>
    Task<IIdempotencyClaim?> TryClaimAsync(Guid userId, string route, string key, CancellationToken ct);
}

/// <summary>
/// <c>Idempotency-Key</c> for any POST that creates something (API.md "Outages and retries"): the same key
/// and user within 24 h returns the first answer (same status and body, so the same id) and creates
/// nothing new; the same key with a different body is 422. Only successful answers are kept — a refused
/// or failed request changed nothing and may simply be sent again. The body's SHA-256 is taken while the
/// endpoint streams it, so a large upload is never buffered for it.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    private const int MaxKeyLength = 255;

    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(InvokeAsync);

    private static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Header, out var values))
        {
            return await next(context);
        }

        var key = values.ToString();
        if (key.Length is 0 or > MaxKeyLength || key.Any(char.IsControl))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Idempotency-Key",
                detail: $"An {Header} is 1 to {MaxKeyLength} printable characters.");
        }

        var route = $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value}";
        var store = http.RequestServices.GetRequiredService<IIdempotencyStore>();
        await using var claim = await store.TryClaimAsync(http.User.UserId(), route, key, http.RequestAborted);
        if (claim is null)
        {
            http.Response.Headers.RetryAfter = "1";
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Request in progress",
                detail: $"A request with this {Header} is still being processed. Send it again in a moment to get its answer.");
        }

        var hashing = new HashingStream(http.Request.Body, BoundaryOf(http.Request));
        http.Request.Body = hashing;
        if (claim.Stored is { } stored)
        {
            if (await hashing.DrainAsync(http.RequestAborted) != stored.RequestSha256)
            {
                return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused",
                    detail: $"This {Header} was used within the last 24 hours for a request with a different body; nothing was created. Use a new key for a new request.");
            }

            return new Replay(stored);
        }

        if (await next(context) is not IResult result)
        {
            return null;
        }

        // Run the answer into a buffer to keep it; answers worth keeping are small (a created resource's JSON).
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await result.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode is >= 200 and < 300)
        {
            var sha256 = await hashing.DrainAsync(CancellationToken.None);
            await claim.StoreAsync(new IdempotentAnswer(sha256, http.Response.StatusCode, http.Response.ContentType,
                http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null, buffer.ToArray()), CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
        return Results.Empty;
    }

    private sealed class Replay(IdempotentAnswer answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = answer.Status;
            http.Response.ContentType = answer.ContentType;
            if (answer.Location is not null)
            {
                http.Response.Headers.Location = answer.Location;
            }

            http.Response.Headers["Idempotent-Replayed"] = "true";
            await http.Response.Body.WriteAsync(answer.Body);
        }
    }

    /// <summary>
    /// A multipart body's boundary (<c>--</c> and the boundary parameter), or null. A client draws a new
    /// boundary for every request, a retry included: the body is hashed without it.
    /// </summary>
    private static byte[]? BoundaryOf(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
        && Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 } boundary
            ? System.Text.Encoding.ASCII.GetBytes("--" + boundary)
            : null;

    /// <summary>Passes the request body through, hashing every byte read except the occurrences of <paramref name="skip"/>.</summary>
    private sealed class HashingStream(Stream inner, byte[]? skip) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        /// <summary>The end of what was read that may be the start of <c>skip</c>: hashed once the next read tells.</summary>
        private byte[] pending = [];

        private void Append(ReadOnlySpan<byte> data)
        {
            if (skip is null)
            {
                hash.AppendData(data);
                return;
            }

            var buffer = new byte[pending.Length + data.Length];
            pending.CopyTo(buffer, 0);
            data.CopyTo(buffer.AsSpan(pending.Length));
            var start = 0;
            int found;
            while ((found = buffer.AsSpan(start).IndexOf(skip)) >= 0)
            {
                hash.AppendData(buffer, start, found);
                start += found + skip.Length;
            }

            var keep = Math.Min(skip.Length - 1, buffer.Length - start);
            hash.AppendData(buffer, start, buffer.Length - start - keep);
            pending = buffer[^keep..];
        }

        /// <summary>Reads what the endpoint left unread and returns the hash of the whole body.</summary>
        public async Task<string> DrainAsync(CancellationToken ct)
        {
            var buffer = new byte[64 * 1024];
            while (await ReadAsync(buffer, ct) > 0)
            {
            }

            hash.AppendData(pending);
            pending = [];
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Append(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Append(buffer.AsSpan(offset, read));
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                hash.Dispose();
            }

            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
