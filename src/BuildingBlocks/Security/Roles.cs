namespace CloudService.BuildingBlocks.Security;

public static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";

    /// <summary>The authorization policy every admin-only route and page uses.</summary>
    public const string AdminPolicy = "admin";

    public static bool IsKnown(string role) => role is Admin or User;
}
