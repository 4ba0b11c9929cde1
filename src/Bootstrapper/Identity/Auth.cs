using System.Security.Claims;
using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CloudService.Bootstrapper.Identity;

internal static class Auth
{
    private const string Smart = "cookie-or-bearer";
    public const string CsrfHeader = "X-CSRF-TOKEN";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(8);

    public static IServiceCollection AddIdentityAndAuth(this IServiceCollection services)
    {
        services.ConfigureMarten(o => o.Schema.For<AppUser>()
            .DatabaseSchemaName("identity")
            .UniqueIndex(u => u.NormalizedUserName));
        services.AddSingleton<IPasswordHasher<AppUser>, PasswordHasher<AppUser>>();
        services.AddScoped<Users>();
        services.AddHostedService<AdminAccountSeeder>();
        services.AddStaticAssetsOf(typeof(Auth).Assembly);

        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, Smart, o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerTokenDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddBearerToken(o => o.BearerTokenExpiration = TokenLifetime)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/forbidden";
                o.Cookie.Name = "cloudservice";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TokenLifetime;
                // The API answers with status codes; only pages redirect.
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

    private static Task ApiOr(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = status;
        }
        else if (status == StatusCodes.Status403Forbidden)
        {
            ctx.Response.Redirect(ctx.RedirectUri);
        }
        else
        {
            ctx.Response.Redirect(ctx.RedirectUri);
        }

        return Task.CompletedTask;
    }

    public static ClaimsPrincipal PrincipalFor(AppUser user) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim(ClaimTypes.Role, user.Role),
            ],
            authenticationType: "CloudService"));

    /// <summary>Issues an opaque, data-protected bearer token, readable by every instance (keys are shared).</summary>
    public static (string Token, DateTimeOffset ExpiresAt) IssueToken(IServiceProvider services, AppUser user)
    {
        var options = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var expiresAt = DateTimeOffset.UtcNow.Add(options.BearerTokenExpiration);
        var ticket = new AuthenticationTicket(
            PrincipalFor(user),
            new AuthenticationProperties { IssuedUtc = DateTimeOffset.UtcNow, ExpiresUtc = expiresAt },
            BearerTokenDefaults.AuthenticationScheme);
        return (options.BearerTokenProtector.Protect(ticket), expiresAt);
    }

    /// <summary>
    /// Cookie-authenticated requests that change something (API calls, page forms such as sign-out)
    /// must carry the page's CSRF token; bearer-token calls cannot be forged by another site and need none.
    /// </summary>
    public static void UseCsrfProtection(this WebApplication app) =>
        app.Use(async (http, next) =>
        {
            var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            var bearer = http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
            if (unsafeMethod && !bearer && http.User.Identity?.IsAuthenticated == true)
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
