namespace CloudService.Bootstrapper.Identity;

internal sealed class AppUser
{
    public Guid Id { get; set; }
    public string UserName { get; set; } = "";

    /// <summary>Upper-invariant user name: unique, so "Alice" and "alice" are one account.</summary>
    public string NormalizedUserName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string Role { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static string Normalize(string userName) => userName.Trim().ToUpperInvariant();
}
