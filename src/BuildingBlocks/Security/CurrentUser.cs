using System.Security.Claims;

namespace CloudService.BuildingBlocks.Security;

public static class CurrentUser
{
    /// <summary>The signed-in user's id. Only call it behind RequireAuthorization.</summary>
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("The request is not authenticated.");

    public static string UserName(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(Roles.Admin);
}
