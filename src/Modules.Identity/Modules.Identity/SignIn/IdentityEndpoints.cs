using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Identity.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Identity.SignIn;

/// <summary>Signing in and out: tokens for scripts, the /login form and cookie for browsers.</summary>
internal static class IdentityEndpoints
{
    internal sealed record TokenRequest(string? UserName, string? Password);
    internal sealed record RefreshRequest(string? RefreshToken);
    internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

    public static void MapSignIn(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Identity");
        auth.MapPost("/token", async Task<IResult> (TokenRequest request, Users.Users users, SignInThrottle throttle, Sessions.Sessions sessions, HttpContext http, CancellationToken ct) =>
        {
            var attempt = await CheckPasswordAsync(request.UserName, request.Password, users, throttle, ct);
            return attempt switch
            {
                { User: { } user } => TypedResults.Ok(Auth.IssueTokens(http, sessions.Start(user))),
                { RetryAfter: { } wait } => SignInThrottle.TooMany(wait, "Too many sign-in attempts", attempt.Refusal),
                _ => TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: attempt.Refusal),
            };
        }).AllowAnonymous().RequireRateLimiting(SignInThrottle.PerIpPolicy);

        // The refresh token's session is replaced by a new one: a refresh token works once.
        auth.MapPost("/refresh", async Task<IResult> (RefreshRequest request, Sessions.Sessions sessions, HttpContext http, CancellationToken ct) =>
        {
            if (await Auth.RedeemRefreshTokenAsync(http, request.RefreshToken, ct) is not var (user, previous))
            {
                return TypedResults.Problem(statusCode: 401, title: "Refresh failed", detail: "The refresh token is expired, used or signed out; sign in again.");
            }

            await sessions.RevokeAsync(previous, ct);
            return TypedResults.Ok(Auth.IssueTokens(http, Sessions.Sessions.Continue(user, previous)));
        }).AllowAnonymous().RequireRateLimiting(SignInThrottle.PerIpPolicy);

        auth.MapPost("/logout", async (Sessions.Sessions sessions, HttpContext http, CancellationToken ct) =>
        {
            await sessions.RevokeAsync(http.User, ct);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });
        auth.MapPost("/logout-everywhere", async (Users.Users users, HttpContext http, CancellationToken ct) =>
        {
            await users.SignOutEverywhereAsync(http.User.UserId(), ct);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });

        app.MapPost("/api/me/password", async Task<IResult> (ChangePasswordRequest request, Users.Users users, HttpContext http, CancellationToken ct) =>
        {
            var errors = await users.ChangePasswordAsync(http.User.UserId(), request.CurrentPassword, request.NewPassword, ct);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.SelectMany(x => x.Value)));
            }

            // Every session ends, this one too: the stamp changed.
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).WithTags("Identity");

        app.MapGet("/login", (HttpContext http, string? returnUrl) => LoginPage(http, returnUrl, null)).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/login", async Task<IResult> ([FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl,
            Users.Users users, SignInThrottle throttle, Sessions.Sessions sessions, HttpContext http, CancellationToken ct) =>
        {
            var attempt = await CheckPasswordAsync(userName, password, users, throttle, ct);
            if (attempt.User is not { } user)
            {
                if (attempt.RetryAfter is { } wait)
                {
                    SignInThrottle.SetRetryAfter(http, wait);
                }

                return LoginPage(http, returnUrl, attempt.Refusal, attempt.RetryAfter is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status429TooManyRequests);
            }

            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, sessions.Start(user));
            return Results.Redirect(IsLocalPath(returnUrl) ? returnUrl! : "/files");
        }).AllowAnonymous().RequireRateLimiting(SignInThrottle.PerIpPolicy).ExcludeFromDescription();
        app.MapPost("/logout", async (Sessions.Sessions sessions, HttpContext http, CancellationToken ct) =>
        {
            await sessions.RevokeAsync(http.User, ct);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }).ExcludeFromDescription();
        app.MapGet("/forbidden", (HttpContext http) => Page.Render(http, "Not allowed",
            """<section class="card"><h1>Not allowed</h1><p>This page is for administrators.</p><p><a href="/files">Back to my files</a></p></section>""",
            statusCode: StatusCodes.Status403Forbidden)).ExcludeFromDescription();
    }

    private sealed record Attempt(AppUser? User, TimeSpan? RetryAfter, string Refusal);

    /// <summary>The user when the password is right; otherwise why not and, when throttled or locked, how long to wait.</summary>
    private static async Task<Attempt> CheckPasswordAsync(string? userName, string? password, Users.Users users, SignInThrottle throttle, CancellationToken ct)
    {
        const string wrong = "The user name or password is wrong.";
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password))
        {
            return new(null, null, wrong);
        }

        if (throttle.TryUserName(userName) is { } throttled)
        {
            return new(null, throttled, "Too many sign-in attempts for this user name: wait before trying again.");
        }

        var check = await users.VerifyAsync(userName, password, ct);
        return check.LockedFor is { } lockedFor
            ? new(null, lockedFor, "Too many wrong passwords: the account is locked for a while (an admin can unlock it).")
            : new(check.User, null, wrong);
    }

    /// <summary>
    /// Only local paths: an open redirect would let a link send users elsewhere after sign-in. Browsers
    /// drop tabs and line breaks inside URLs ("/\t/evil.example" is "//evil.example" to them), so no
    /// control characters either.
    /// </summary>
    private static bool IsLocalPath(string? url) =>
        url is { Length: > 1 } && url[0] == '/' && url[1] != '/' && url[1] != '\\' && !url.Any(char.IsControl);

    private static IResult LoginPage(HttpContext http, string? returnUrl, string? error, int status = 200) =>
        Page.Render(http, "Sign in", $"""
            <section class="card narrow">
              <h1>Sign in</h1>
              {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{Page.Encode(error)}</p>")}
              <form method="post" action="/login">
                <input type="hidden" name="__RequestVerificationToken" value="{Page.Encode(CsrfToken(http))}">
                <input type="hidden" name="returnUrl" value="{Page.Encode(returnUrl)}">
                <label>User name <input name="userName" autocomplete="username" required autofocus></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
                <button type="submit">Sign in</button>
              </form>
            </section>
            """, statusCode: status);

    private static string CsrfToken(HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "";
}
