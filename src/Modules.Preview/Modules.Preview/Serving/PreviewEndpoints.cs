using System.Globalization;
using CloudService.BuildingBlocks.Security;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace CloudService.Modules.Preview.Serving;

internal static class PreviewEndpoints
{
    private const string CacheHeader = "X-Preview-Cache";
    private const string ProviderHeader = "X-Preview-Provider";

    /// <summary>About one render's time: by then the user's queue has moved.</summary>
    private const string BusyRetryAfterSeconds = "2";

    public static void MapPreviewRoutes(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/files/{id:guid}/preview").RequireAuthorization().WithTags("Previews");

        api.MapGet("", GetPreviewAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .Produces(StatusCodes.Status202Accepted)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable).ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithSummary("The file's sanitised HTML preview: from the cache, or generated within ?waitMs= (202 with a status link past it).");

        api.MapGet("/status", GetStatusAsync)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Whether the file's preview is ready, pending or failed (never waits; asks for the generation if nobody has).");

        app.MapGet("/files/{id:guid}/preview", GetFrameAsync).RequireAuthorization().ExcludeFromDescription();
    }

    private static async Task<IResult> GetPreviewAsync(Guid id, string? waitMs, HttpContext http, PreviewRequests requests, PreviewOptions options, CancellationToken ct)
    {
        FrameDocument.ApplySecurityHeaders(http.Response, options);
        if (!TryParseWait(waitMs, options, out var wait))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid waitMs",
                detail: $"waitMs must be a whole number of milliseconds from 0 to {(long)options.MaxWait.TotalMilliseconds}.");
        }

        var outcome = await requests.GetAsync(id, http.User.UserId(), wait, ct);
        switch (outcome)
        {
            case PreviewOutcome.Ready ready:
                http.Response.Headers[CacheHeader] = ready.Hit ? "hit" : "miss";
                PreviewMetrics.Answered(ready.Hit);
                http.Response.Headers[ProviderHeader] = ready.Key.Provider;
                http.Response.Headers.ETag = ready.Preview.ETag;
                http.Response.Headers.CacheControl = "private";
                return Matches(http.Request, ready.Preview.ETag)
                    ? Results.StatusCode(StatusCodes.Status304NotModified)
                    : Results.Bytes(ready.Preview.Html, "text/html; charset=utf-8");
            case PreviewOutcome.Pending:
                var statusUrl = $"/api/files/{id}/preview/status";
                http.Response.Headers.Location = statusUrl;
                http.Response.Headers.RetryAfter = "1";
                http.Response.Headers.CacheControl = "no-store";
                return Results.Json(new { status = "pending", statusUrl }, statusCode: StatusCodes.Status202Accepted);
            default:
                return Problem(outcome, http.Response);
        }
    }

    private static async Task<IResult> GetStatusAsync(Guid id, HttpContext http, PreviewRequests requests, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var outcome = await requests.GetAsync(id, http.User.UserId(), TimeSpan.Zero, ct);
        return outcome switch
        {
            PreviewOutcome.Ready ready => Results.Ok(new { status = "ready", provider = ready.Key.Provider, previewUrl = $"/api/files/{id}/preview" }),
            PreviewOutcome.Pending => Results.Ok(new { status = "pending", statusUrl = $"/api/files/{id}/preview/status" }),
            PreviewOutcome.Failed failed => Results.Ok(new { status = "failed", provider = failed.Key.Provider, detail = failed.Failure.Reason, retryAt = failed.Failure.ExpiresAt }),
            _ => Problem(outcome, http.Response),
        };
    }

    private static async Task<IResult> GetFrameAsync(Guid id, HttpContext http, PreviewRequests requests, PreviewOptions options, CancellationToken ct)
    {
        FrameDocument.ApplySecurityHeaders(http.Response, options);
        var outcome = await requests.GetAsync(id, http.User.UserId(), options.DefaultWait, ct);
        if (outcome is PreviewOutcome.Pending)
        {
            await StreamPendingFrameAsync(id, http, requests, options, ct);
            return Results.Empty;
        }

        var (status, document) = FrameFor(outcome);
        if (outcome is PreviewOutcome.Ready ready)
        {
            var etag = ready.Preview.ETag.Insert(ready.Preview.ETag.Length - 1, "-frame");
            http.Response.Headers.ETag = etag;
            http.Response.Headers.CacheControl = "private, no-cache";
            http.Response.Headers[ProviderHeader] = ready.Key.Provider;
            if (Matches(http.Request, etag))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
        }
        else
        {
            http.Response.Headers.CacheControl = "no-store";
        }

        return Results.Content(document, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>
    /// A frame whose preview is still being generated gets "Generating preview…" at once and the preview
    /// in the same response when it is there: no script, and no reload. A reload would not do:
    /// Chromium ignores &lt;meta http-equiv="refresh"&gt; in a frame sandboxed without allow-scripts, and
    /// the reload a Refresh header starts comes from the frame's opaque origin, without the SameSite
    /// sign-in cookie, so it would land on the sign-in page (PreviewFrameBrowserTests shows the stream works).
    /// </summary>
    private static async Task StreamPendingFrameAsync(Guid id, HttpContext http, PreviewRequests requests, PreviewOptions options, CancellationToken ct)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync(FrameDocument.PendingStart(), ct);
        await http.Response.Body.FlushAsync(ct);

        var outcome = await requests.GetAsync(id, http.User.UserId(), options.FrameWait, ct);
        var end = outcome switch
        {
            PreviewOutcome.Ready ready => FrameDocument.PendingEnd(ready.Preview.Html, ready.Preview.Stylesheet),
            PreviewOutcome.Pending => FrameDocument.PendingEnd("It is taking longer than usual: reload the page in a while to see it."),
            _ => FrameDocument.PendingEnd(MessageFor(outcome)),
        };
        await http.Response.WriteAsync(end, ct);
    }

    private static (int Status, string Document) FrameFor(PreviewOutcome outcome) => outcome switch
    {
        PreviewOutcome.Ready ready => (StatusCodes.Status200OK, FrameDocument.Preview(ready.Preview.Html, ready.Preview.Stylesheet)),
        PreviewOutcome.Failed failed => (StatusOf(failed), FrameDocument.Message(MessageFor(outcome))),
        PreviewOutcome.Unsupported => (StatusCodes.Status415UnsupportedMediaType, FrameDocument.Message(MessageFor(outcome))),
        PreviewOutcome.Unavailable or PreviewOutcome.Busy => (StatusCodes.Status503ServiceUnavailable, FrameDocument.Message(MessageFor(outcome))),
        _ => (StatusCodes.Status404NotFound, FrameDocument.Message(MessageFor(outcome))),
    };

    private static string MessageFor(PreviewOutcome outcome) => outcome switch
    {
        PreviewOutcome.Failed failed => $"This preview could not be generated ({failed.Failure.Reason}) It will be tried again in a while.",
        PreviewOutcome.Unsupported unsupported => $"There is no preview for files of type {unsupported.ContentType}.",
        PreviewOutcome.Unavailable => "Previews cannot be generated right now. Reload the page in a while.",
        PreviewOutcome.Busy => "Too many of your previews are waiting to be generated. Reload the page in a while.",
        _ => "This file does not exist.",
    };

    private static IResult Problem(PreviewOutcome outcome, HttpResponse response)
    {
        switch (outcome)
        {
            case PreviewOutcome.Failed failed:
                response.Headers[ProviderHeader] = failed.Key.Provider;
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((failed.Failure.ExpiresAt - response.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return Results.Problem(
                    statusCode: StatusOf(failed),
                    title: failed.Failure.TimedOut ? "The preview provider timed out" : "The preview provider failed",
                    detail: failed.Failure.Reason,
                    extensions: new Dictionary<string, object?> { ["provider"] = failed.Key.Provider, ["retryAt"] = failed.Failure.ExpiresAt });
            case PreviewOutcome.Unsupported unsupported:
                return Results.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "No preview for this file type",
                    detail: $"No active preview provider and no built-in preview handles {unsupported.ContentType}.",
                    extensions: new Dictionary<string, object?> { ["supportedTypes"] = unsupported.SupportedTypes });
            case PreviewOutcome.Unavailable unavailable:
                response.Headers.RetryAfter = "5";
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Previews are unavailable", detail: unavailable.Detail);
            case PreviewOutcome.Busy:
                response.Headers.RetryAfter = BusyRetryAfterSeconds;
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many previews waiting",
                    detail: "Too many of your previews are waiting to be generated; none was queued for this request. Try again later.");
            default:
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such file.");
        }
    }

    private static int StatusOf(PreviewOutcome.Failed failed) =>
        failed.Failure.TimedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;

    private static bool TryParseWait(string? waitMs, PreviewOptions options, out TimeSpan wait)
    {
        wait = options.DefaultWait;
        if (waitMs is null)
        {
            return true;
        }

        if (!long.TryParse(waitMs, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > options.MaxWait.TotalMilliseconds)
        {
            return false;
        }

        wait = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 13.1.2).</summary>
    private static bool Matches(HttpRequest request, string etag) =>
        request.GetTypedHeaders().IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));

}
