namespace CloudService.Modules.Identity.Users;

internal sealed class AppUser
{
    public Guid Id { get; set; }
    public string UserName { get; set; } = "";

    /// <summary>Upper-invariant user name: unique, so "Alice" and "alice" are one account.</summary>
    public string NormalizedUserName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string Role { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Every session (cookie, token, refresh token) carries the stamp it was issued under; changing it
    /// (sign out everywhere, a new password, a role or disable) ends them all on the next request.
    /// </summary>
    public string SecurityStamp { get; set; } = "";
    public bool Disabled { get; set; }

    /// <summary>Wrong passwords in a row since the last success or lockout.</summary>
    public int FailedSignIns { get; set; }

    /// <summary>Lockouts in a row: each one lasts twice as long as the one before (back-off).</summary>
    public int Lockouts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }

    public static string Normalize(string userName) => userName.Trim().ToUpperInvariant();

    public static string NewStamp() => Guid.NewGuid().ToString("N");
}
