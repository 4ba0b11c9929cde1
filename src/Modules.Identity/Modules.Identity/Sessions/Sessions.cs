using System.Globalization;
using System.Security.Claims;
using CloudService.Modules.Identity.Users;
using Marten;

namespace CloudService.Modules.Identity.Sessions;

/// <summary>A session ended by "sign out" (or by refreshing its token), remembered until it would have expired anyway.</summary>
internal sealed class RevokedSession
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset ForgetAfter { get; set; }
}

/// <summary>
/// A session is a sign-in: cookie or bearer token, with its own id, the user's security stamp and
/// the time of the sign-in inside the data-protected ticket. The key ring alone is not enough to
/// sign in: every request is checked against the user store (<see cref="IsCurrentAsync"/>).
/// </summary>
internal sealed class Sessions(IDocumentSession session, IdentityOptions options, TimeProvider clock, SessionCheckCache cache)
{
    public const string StampClaim = "cs:stamp";
    public const string SessionClaim = "cs:sid";
    public const string SignedInClaim = "cs:signed-in";

    public ClaimsPrincipal Start(AppUser user) => PrincipalFor(user, Guid.NewGuid(), clock.GetUtcNow());

    /// <summary>The same sign-in under a new session id (a refreshed token); the old id is revoked by the caller.</summary>
    public static ClaimsPrincipal Continue(AppUser user, ClaimsPrincipal previous) =>
        PrincipalFor(user, Guid.NewGuid(), SignedInAt(previous) ?? DateTimeOffset.MinValue);

    private static ClaimsPrincipal PrincipalFor(AppUser user, Guid sessionId, DateTimeOffset signedInAt) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(StampClaim, user.SecurityStamp),
                new Claim(SessionClaim, sessionId.ToString()),
                new Claim(SignedInClaim, signedInAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            ],
            authenticationType: "CloudService"));

    /// <summary>
    /// True when the principal's user exists, is not disabled, has the same stamp and role, and the
    /// session was neither signed out nor older than <see cref="IdentityOptions.SessionLifetime"/>.
    /// One round trip (a batched query), skipped while <see cref="SessionCheckCache"/> remembers the
    /// answer unless <paramref name="fresh"/> (redeeming a refresh token always asks the database).
    /// </summary>
    public async Task<AppUser?> CurrentUserAsync(ClaimsPrincipal principal, CancellationToken ct, bool fresh = false)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(SessionClaim), out var sessionId)
            || principal.FindFirstValue(StampClaim) is not { Length: > 0 } stamp
            || SignedInAt(principal) is not { } signedInAt
            || clock.GetUtcNow() - signedInAt > options.SessionLifetime)
        {
            return null;
        }

        var role = principal.FindFirstValue(ClaimTypes.Role);
        if (!fresh && cache.Find(userId, sessionId, stamp, role) is { } remembered)
        {
            return remembered;
        }

        var batch = session.CreateBatchQuery();
        var user = batch.Load<AppUser>(userId);
        var revoked = batch.Load<RevokedSession>(sessionId);
        await batch.Execute(ct);
        var found = await user;
        if (found is { Disabled: false } && found.SecurityStamp == stamp && found.Role == role && await revoked is null)
        {
            cache.Remember(sessionId, stamp, role, found);
            return found;
        }

        return null;
    }

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct) =>
        await CurrentUserAsync(principal, ct) is not null;

    /// <summary>Ends one session (sign out on this device).</summary>
    public async Task RevokeAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(SessionClaim), out var sessionId)
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return;
        }

        var now = clock.GetUtcNow();
        session.Store(new RevokedSession { Id = sessionId, UserId = userId, ForgetAfter = now + options.SessionLifetime });
        // A revoked session older than the session lifetime is refused anyway: forget it.
        session.DeleteWhere<RevokedSession>(s => s.ForgetAfter < now);
        await session.SaveChangesAsync(ct);
        cache.Forget(userId);
    }

    private static DateTimeOffset? SignedInAt(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(SignedInClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
