using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace CloudService.Bootstrapper.Identity;

internal static class IdentityEndpoints
{
    private static readonly Asset UsersPageScript = new(typeof(IdentityEndpoints).Assembly, "users.js");

    internal sealed record TokenRequest(string? UserName, string? Password);
    internal sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);
    internal sealed record CreateUserRequest(string? UserName, string? Password, string? Role);
    internal sealed record UserResponse(Guid Id, string UserName, string Role, DateTimeOffset CreatedAt);

    public static void MapIdentity(this WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("Identity");
        api.MapPost("/auth/token", async Task<IResult> (TokenRequest request, Users users, HttpContext http, CancellationToken ct) =>
        {
            var user = string.IsNullOrEmpty(request.UserName) || string.IsNullOrEmpty(request.Password)
                ? null
                : await users.VerifyAsync(request.UserName, request.Password, ct);
            if (user is null)
            {
                return TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: "The user name or password is wrong.");
            }

            var (token, expiresAt) = Auth.IssueToken(http.RequestServices, user);
            return TypedResults.Ok(new TokenResponse(token, expiresAt));
        }).AllowAnonymous();

        var admin = api.MapGroup("/admin/users").RequireAuthorization(Roles.AdminPolicy);
        admin.MapPost("", async Task<IResult> (CreateUserRequest request, Users users, CancellationToken ct) =>
        {
            var (user, errors) = await users.CreateAsync(request.UserName, request.Password, request.Role, ct);
            if (user is null)
            {
                var conflict = errors.TryGetValue("userName", out var e) && e[0].Contains("exists", StringComparison.Ordinal);
                return conflict
                    ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "User exists", detail: errors["userName"][0])
                    : TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.SelectMany(x => x.Value)));
            }

            return TypedResults.Created($"/api/admin/users/{user.Id}", ToResponse(user));
        });
        admin.MapGet("", async (Users users, CancellationToken ct) =>
            TypedResults.Ok((await users.ListAsync(ct)).Select(ToResponse)));

        app.MapGet("/login", (HttpContext http, string? returnUrl) => LoginPage(http, returnUrl, null)).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/login", async Task<IResult> ([FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl, Users users, HttpContext http, CancellationToken ct) =>
        {
            var user = string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password) ? null : await users.VerifyAsync(userName, password, ct);
            if (user is null)
            {
                return LoginPage(http, returnUrl, "The user name or password is wrong.", StatusCodes.Status401Unauthorized);
            }

            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Auth.PrincipalFor(user));
            return Results.Redirect(IsLocalPath(returnUrl) ? returnUrl! : "/files");
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }).ExcludeFromDescription();
        app.MapGet("/forbidden", (HttpContext http) => Page.Render(http, "Not allowed",
            """<section class="card"><h1>Not allowed</h1><p>This page is for administrators.</p><p><a href="/files">Back to my files</a></p></section>""",
            statusCode: StatusCodes.Status403Forbidden)).ExcludeFromDescription();
        app.MapGet("/admin/users", (HttpContext http) => Page.Render(http, "Users", UsersPageBody, UsersPageScript))
            .RequireAuthorization(Roles.AdminPolicy).ExcludeFromDescription();
    }

    /// <summary>
    /// Only local paths: an open redirect would let a link send users elsewhere after sign-in. Browsers
    /// drop tabs and line breaks inside URLs ("/\t/evil.example" is "//evil.example" to them), so no
    /// control characters either.
    /// </summary>
    private static bool IsLocalPath(string? url) =>
        url is { Length: > 1 } && url[0] == '/' && url[1] != '/' && url[1] != '\\' && !url.Any(char.IsControl);

    private static UserResponse ToResponse(AppUser u) => new(u.Id, u.UserName, u.Role, u.CreatedAt);

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

    private const string UsersPageBody = """
        <section class="card">
          <h1>Users</h1>
          <table id="users"><thead><tr><th>User name</th><th>Role</th><th>Created</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card narrow">
          <h2>Create a user</h2>
          <form id="create-user">
            <label>User name <input name="userName" required></label>
            <label>Password <input name="password" type="password" minlength="8" required></label>
            <label>Role <select name="role"><option value="user">user</option><option value="admin">admin</option></select></label>
            <button type="submit">Create</button>
            <p id="create-user-result" role="status"></p>
          </form>
        </section>
        """;
}
