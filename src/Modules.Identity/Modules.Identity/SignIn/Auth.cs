using CloudService.BuildingBlocks.Security;
using CloudService.Modules.Identity.Sessions;
using CloudService.Modules.Identity.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace CloudService.Modules.Identity.SignIn;

internal static class Auth
{
    private const string Smart = "cookie-or-bearer";
    public const string CsrfHeader = "X-CSRF-TOKEN";

    public static IServiceCollection AddAuth(this IServiceCollection services, IdentityOptions options)
    {
        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, Smart, o => o.ForwardDefaultSelector = http =>
                IsBearer(http)
                    ? BearerTokenDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = options.AccessTokenLifetime;
                o.RefreshTokenExpiration = options.RefreshTokenLifetime;
            })
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/forbidden";
                o.Cookie.Name = "cloudservice";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = options.CookieLifetime;
                // The API and plugins' endpoints answer with status codes; only pages redirect.
                o.Events.OnRedirectToLogin = ctx => ApiOr(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiOr(ctx, StatusCodes.Status403Forbidden);
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            // Secure by default: an endpoint that forgets to say who may use it is for signed-in users only.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddAntiforgery(o =>
        {
            o.HeaderName = CsrfHeader;
            o.Cookie.Name = "cloudservice-csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        return services;
    }

    private static bool IsBearer(HttpContext http) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Redirects carry only the path: the handler's absolute URI is built from the request's Host
    /// header, which a client chooses.
    /// </summary>
    private static Task ApiOr(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/plugins"))
        {
            ctx.Response.StatusCode = status;
        }
        else
        {
            ctx.Response.Redirect(Uri.TryCreate(ctx.RedirectUri, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : ctx.RedirectUri);
        }

        return Task.CompletedTask;
    }

    /// <summary>Issues an opaque, data-protected access token and a refresh token for one session.</summary>
    public static TokenResponse IssueTokens(HttpContext http, System.Security.Claims.ClaimsPrincipal principal)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var expiresAt = now.Add(options.BearerTokenExpiration);
        var access = new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = expiresAt }, BearerTokenDefaults.AuthenticationScheme);
        var refresh = new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.Add(options.RefreshTokenExpiration) }, BearerTokenDefaults.AuthenticationScheme);
        return new TokenResponse(options.BearerTokenProtector.Protect(access), expiresAt, options.RefreshTokenProtector.Protect(refresh));
    }

    /// <summary>The user behind a refresh token that is unexpired and whose session is still current, else null.</summary>
    public static async Task<(AppUser User, System.Security.Claims.ClaimsPrincipal Principal)?> RedeemRefreshTokenAsync(HttpContext http, string? refreshToken, CancellationToken ct)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (string.IsNullOrEmpty(refreshToken) || options.RefreshTokenProtector.Unprotect(refreshToken) is not { } ticket
            || ticket.Properties.ExpiresUtc is not { } expires || expires < now)
        {
            return null;
        }

        var user = await http.RequestServices.GetRequiredService<Sessions.Sessions>().CurrentUserAsync(ticket.Principal, ct, fresh: true);
        return user is null ? null : (user, ticket.Principal);
    }

    /// <summary>
    /// Every signed-in request is checked against the user store: a ticket minted with the key ring for
    /// a user that does not exist, is disabled, has another stamp, or a session that was signed out, is
    /// anonymous from here on (and its cookie is deleted).
    /// </summary>
    public static void UseSessionValidation(this WebApplication app) =>
        app.Use(async (http, next) =>
        {
            if (http.User.Identity?.IsAuthenticated == true
                && !await http.RequestServices.GetRequiredService<Sessions.Sessions>().IsCurrentAsync(http.User, http.RequestAborted))
            {
                if (!IsBearer(http))
                {
                    await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }

                http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
            }

            await next(http);
        });

    /// <summary>
    /// Cookie-authenticated requests that change something (API calls, page forms such as sign-out)
    /// must carry the page's CSRF token; bearer-token calls cannot be forged by another site and need none.
    /// </summary>
    public static void UseCsrfProtection(this WebApplication app) =>
        app.Use(async (http, next) =>
        {
            var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            if (unsafeMethod && !IsBearer(http) && http.User.Identity?.IsAuthenticated == true)
            {
                var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(http))
                {
                    await Results.Problem(
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Missing or invalid CSRF token",
                        detail: $"Requests signed in with a cookie must send the page's CSRF token in the {CsrfHeader} header (or a form's token field).").ExecuteAsync(http);
                    return;
                }
            }

            await next(http);
        });
}

internal sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string RefreshToken);
