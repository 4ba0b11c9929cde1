namespace CloudService.Modules.Identity;

/// <summary>CloudService:Identity settings: session lifetimes, sign-in limits and lockout.</summary>
internal sealed record IdentityOptions
{
    /// <summary>How long a bearer access token is accepted; clients renew it with the refresh token.</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>A browser cookie's idle lifetime (sliding: every request renews it).</summary>
    public TimeSpan CookieLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>No session (cookie or refreshed tokens) outlives this after its sign-in.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long an instance trusts its last answer that a session is current (0 asks PostgreSQL on
    /// every request). Changes made on this instance apply at once; on other instances within this time.
    /// </summary>
    public TimeSpan SessionCheckCacheTime { get; init; } = TimeSpan.FromSeconds(5);

    public int SignInsPerIpPerMinute { get; init; } = 30;
    public int SignInsPerUserNamePerMinute { get; init; } = 10;

    /// <summary>Wrong passwords in a row before the account is locked.</summary>
    public int LockoutThreshold { get; init; } = 5;

    /// <summary>The first lockout's length; each further one doubles, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan FirstLockout { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan MaxLockout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The certificate (PKCS#12, created on the first start) that encrypts the data-protection key ring at rest.</summary>
    public string KeyEncryptionCertificate { get; init; } = "";

    public static IdentityOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("CloudService:Identity").Get<IdentityOptions>() ?? new IdentityOptions();
        if (string.IsNullOrEmpty(options.KeyEncryptionCertificate))
        {
            var dataRoot = configuration["CloudService:DataRoot"] is { Length: > 0 } root ? root : ".data";
            options = options with { KeyEncryptionCertificate = Path.Combine(dataRoot, "secrets", "key-encryption.pfx") };
        }

        return options;
    }
}
