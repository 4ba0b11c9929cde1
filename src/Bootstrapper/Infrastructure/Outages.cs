using System.Globalization;
using CloudService.BuildingBlocks.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CloudService.Bootstrapper.Infrastructure;

/// <summary>
/// One place for every route: an exception that means PostgreSQL does not answer or the disk is full
/// becomes 503 problem details with <c>Retry-After</c> (API.md "Outages and retries"), wherever it was
/// thrown — uploads, downloads, sign-in, plugin commands. Anything else stays a 500 whose body says
/// nothing about the server. The log keeps the whole exception.
/// </summary>
internal sealed class OutageExceptionHandler(IProblemDetailsService problems, ILogger<OutageExceptionHandler> logger) : IExceptionHandler
{
    public static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DiskRetryAfter = TimeSpan.FromSeconds(60);

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var kind = Outage.Of(exception);
        var (retryAfter, title, detail) = kind switch
        {
            OutageKind.Database => (DatabaseRetryAfter, "Temporarily unavailable",
                "The database does not answer right now; nothing was changed. Try again in a few seconds."),
            OutageKind.DiskFull => (DiskRetryAfter, "Temporarily unavailable",
                "The server's disk is full; nothing was stored. Try again once an administrator has freed space."),
            _ => (TimeSpan.Zero, "Server error",
                $"The server could not complete the request (trace {System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier})."),
        };

        if (kind == OutageKind.None)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
        }
        else
        {
            logger.LogWarning(exception, "{Method} {Path} answered 503: {Outage}", http.Request.Method, http.Request.Path, kind);
        }

        if (http.Response.HasStarted)
        {
            return false;
        }

        http.Response.Clear();
        http.Response.StatusCode = kind == OutageKind.None ? StatusCodes.Status500InternalServerError : StatusCodes.Status503ServiceUnavailable;
        if (kind != OutageKind.None)
        {
            http.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = http.Response.StatusCode, Title = title, Detail = detail },
        });
    }
}

internal static class Outages
{
    public static IServiceCollection AddOutageAnswers(this IServiceCollection services) =>
        services.AddExceptionHandler<OutageExceptionHandler>();
}
