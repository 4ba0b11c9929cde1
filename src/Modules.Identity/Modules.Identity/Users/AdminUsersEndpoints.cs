using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Identity.Users;

/// <summary>The admin's view of accounts: create, list (with lockouts), unlock, disable and enable.</summary>
internal static class AdminUsersEndpoints
{
    private static readonly Asset UsersPageScript = new(typeof(AdminUsersEndpoints).Assembly, "users.js");

    internal sealed record CreateUserRequest(string? UserName, string? Password, string? Role);
    internal sealed record UserResponse(Guid Id, string UserName, string Role, DateTimeOffset CreatedAt, bool Disabled, DateTimeOffset? LockedUntil);

    public static void MapAdminUsers(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/users").WithTags("Identity").RequireAuthorization(Roles.AdminPolicy);
        admin.MapPost("", async Task<IResult> (CreateUserRequest request, Users users, TimeProvider clock, CancellationToken ct) =>
        {
            var (user, errors) = await users.CreateAsync(request.UserName, request.Password, request.Role, ct);
            if (user is null)
            {
                var conflict = errors.TryGetValue("userName", out var e) && e[0].Contains("exists", StringComparison.Ordinal);
                return conflict
                    ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "User exists", detail: errors["userName"][0])
                    : TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.SelectMany(x => x.Value)));
            }

            return TypedResults.Created($"/api/admin/users/{user.Id}", ToResponse(user, clock));
        });
        admin.MapGet("", async (Users users, TimeProvider clock, CancellationToken ct) =>
            TypedResults.Ok((await users.ListAsync(ct)).Select(u => ToResponse(u, clock))));
        admin.MapPost("/{id:guid}/unlock", async Task<IResult> (Guid id, Users users, CancellationToken ct) =>
            await users.UnlockAsync(id, ct) ? TypedResults.NoContent() : NotFound());
        // Disabling ends the user's sessions at once (new stamp); enabling lets them sign in again.
        admin.MapPost("/{id:guid}/disable", async Task<IResult> (Guid id, Users users, HttpContext http, CancellationToken ct) =>
            id == http.User.UserId()
                ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not yourself", detail: "An admin cannot disable their own account.")
                : await users.SetDisabledAsync(id, true, ct) ? TypedResults.NoContent() : NotFound());
        admin.MapPost("/{id:guid}/enable", async Task<IResult> (Guid id, Users users, CancellationToken ct) =>
            await users.SetDisabledAsync(id, false, ct) ? TypedResults.NoContent() : NotFound());

        app.MapGet("/admin/users", (HttpContext http) => Page.Render(http, "Users", UsersPageBody, UsersPageScript))
            .RequireAuthorization(Roles.AdminPolicy).ExcludeFromDescription();
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user", detail: "There is no user with this id.");

    /// <summary>A lockout that has ended is not shown: the account is usable again.</summary>
    private static UserResponse ToResponse(AppUser u, TimeProvider clock) =>
        new(u.Id, u.UserName, u.Role, u.CreatedAt, u.Disabled, u.LockedUntil > clock.GetUtcNow() ? u.LockedUntil : null);

    private const string UsersPageBody = """
        <section class="card">
          <h1>Users</h1>
          <table id="users"><thead><tr><th>User name</th><th>Role</th><th>Created</th><th>Status</th><th></th></tr></thead><tbody></tbody></table>
          <p id="users-result" role="status"></p>
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
