using System.Globalization;
using System.Threading.RateLimiting;
using CloudService.Modules.Identity.Users;
using Microsoft.AspNetCore.RateLimiting;

namespace CloudService.Modules.Identity.SignIn;

/// <summary>
/// Brute force costs the attacker time, not us CPU: sign-ins are limited per client address (ASP.NET
/// Core's rate-limiting middleware, policy <see cref="PerIpPolicy"/>) and per user name (here, once
/// the name is read from the body), both answering 429 with Retry-After. Lockout
/// (<see cref="Users.Users.VerifyAsync"/>) comes on top for names that exist.
/// </summary>
internal sealed class SignInThrottle(IdentityOptions options) : IDisposable
{
    public const string PerIpPolicy = "sign-in-per-ip";

    private readonly PartitionedRateLimiter<string> perUserName = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetFixedWindowLimiter(name, _ => Window(options.SignInsPerUserNamePerMinute)));

    public static void AddPolicies(RateLimiterOptions limiter, IdentityOptions options)
    {
        limiter.AddPolicy(PerIpPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => Window(options.SignInsPerIpPerMinute)));
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (context, _) => await TooManyAttempts(context.Lease).ExecuteAsync(context.HttpContext);
    }

    /// <summary>Null when this user name may try now, else how long to wait.</summary>
    public TimeSpan? TryUserName(string userName)
    {
        using var lease = perUserName.AttemptAcquire(AppUser.Normalize(userName));
        return lease.IsAcquired ? null : RetryAfter(lease);
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);

    public static IResult TooManyAttempts(RateLimitLease lease) =>
        TooMany(RetryAfter(lease), "Too many sign-in attempts", "Wait before trying again.");

    public static void SetRetryAfter(HttpContext http, TimeSpan retryAfter) =>
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public static IResult TooMany(TimeSpan retryAfter, string title, string detail) =>
        new RetryAfterResult(retryAfter, TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, detail: detail));

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = Math.Max(1, permits),
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public void Dispose() => perUserName.Dispose();

    private sealed class RetryAfterResult(TimeSpan retryAfter, IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            SetRetryAfter(httpContext, retryAfter);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
