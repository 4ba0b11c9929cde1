using System.Text.RegularExpressions;
using CloudService.BuildingBlocks.Security;
using CloudService.Modules.Identity.Sessions;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Identity;

namespace CloudService.Modules.Identity.Users;

internal sealed partial class Users(IDocumentSession session, IPasswordHasher<AppUser> hasher, IdentityOptions options, TimeProvider clock, SessionCheckCache sessionChecks, ILogger<Users> logger)
{
    public const int MinimumPasswordLength = 8;

    public async Task<AppUser?> FindAsync(string userName, CancellationToken ct) =>
        await session.Query<AppUser>().SingleOrDefaultAsync(u => u.NormalizedUserName == AppUser.Normalize(userName), ct);

    public async Task<AppUser?> FindByIdAsync(Guid id, CancellationToken ct) => await session.LoadAsync<AppUser>(id, ct);

    /// <summary>
    /// Checks a password. A locked account is not checked at all (no hash spent) until its lockout ends;
    /// <see cref="IdentityOptions.LockoutThreshold"/> wrong passwords in a row lock it, each lockout twice
    /// as long as the one before, until a success or an admin's unlock resets it.
    /// </summary>
    public async Task<SignInCheck> VerifyAsync(string userName, string password, CancellationToken ct)
    {
        var user = await FindAsync(userName, ct);
        if (user is null)
        {
            // Same work for unknown names, so timing does not reveal which names exist.
            hasher.HashPassword(new AppUser(), password);
            return SignInCheck.Failed;
        }

        var now = clock.GetUtcNow();
        if (user.LockedUntil > now)
        {
            return SignInCheck.Locked(user.LockedUntil.Value - now);
        }

        var result = user.Disabled ? PasswordVerificationResult.Failed : hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            if (user.Disabled)
            {
                return SignInCheck.Failed;
            }

            user.FailedSignIns++;
            TimeSpan? lockout = null;
            if (user.FailedSignIns >= options.LockoutThreshold)
            {
                lockout = TimeSpan.FromTicks(Math.Min(options.MaxLockout.Ticks, options.FirstLockout.Ticks << Math.Min(user.Lockouts, 20)));
                user.LockedUntil = now + lockout;
                user.Lockouts++;
                user.FailedSignIns = 0;
                logger.LogWarning("Locked the account {UserName} for {Lockout} after {Threshold} wrong passwords", user.UserName, lockout, options.LockoutThreshold);
            }

            session.Store(user);
            await session.SaveChangesAsync(ct);
            return lockout is { } locked ? SignInCheck.Locked(locked) : SignInCheck.Failed;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded || user.FailedSignIns > 0 || user.Lockouts > 0 || user.LockedUntil is not null)
        {
            if (result == PasswordVerificationResult.SuccessRehashNeeded)
            {
                user.PasswordHash = hasher.HashPassword(user, password);
            }

            user.FailedSignIns = 0;
            user.Lockouts = 0;
            user.LockedUntil = null;
            session.Store(user);
            await session.SaveChangesAsync(ct);
        }

        return SignInCheck.Success(user);
    }

    /// <summary>A new password ends every session of the user (new security stamp).</summary>
    public async Task<Dictionary<string, string[]>> ChangePasswordAsync(Guid userId, string? currentPassword, string? newPassword, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var user = await FindByIdAsync(userId, ct);
        if (user is null || string.IsNullOrEmpty(currentPassword)
            || hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword) == PasswordVerificationResult.Failed)
        {
            errors["currentPassword"] = ["The current password is wrong."];
        }

        if (string.IsNullOrEmpty(newPassword) || newPassword.Length < MinimumPasswordLength)
        {
            errors["newPassword"] = [$"A password has at least {MinimumPasswordLength} characters."];
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        user!.PasswordHash = hasher.HashPassword(user, newPassword!);
        user.SecurityStamp = AppUser.NewStamp();
        session.Store(user);
        await session.SaveChangesAsync(ct);
        sessionChecks.Forget(user.Id);
        return errors;
    }

    /// <summary>Changes a user found by id; false when there is no such user.</summary>
    public async Task<bool> UpdateAsync(Guid userId, Action<AppUser> change, CancellationToken ct)
    {
        var user = await FindByIdAsync(userId, ct);
        if (user is null)
        {
            return false;
        }

        change(user);
        session.Store(user);
        await session.SaveChangesAsync(ct);
        sessionChecks.Forget(userId);
        return true;
    }

    /// <summary>Accounts from before security stamps get one: a session must name its user's stamp, and "" would be guessable.</summary>
    public async Task GiveEveryUserAStampAsync(CancellationToken ct)
    {
        var unstamped = await session.Query<AppUser>().Where(u => u.SecurityStamp == "" || u.SecurityStamp == null).ToListAsync(ct);
        foreach (var user in unstamped)
        {
            user.SecurityStamp = AppUser.NewStamp();
            session.Store(user);
        }

        await session.SaveChangesAsync(ct);
    }

    /// <summary>Ends every session of the user: each one carries the old stamp.</summary>
    public Task<bool> SignOutEverywhereAsync(Guid userId, CancellationToken ct) =>
        UpdateAsync(userId, u => u.SecurityStamp = AppUser.NewStamp(), ct);

    public Task<bool> UnlockAsync(Guid userId, CancellationToken ct) =>
        UpdateAsync(userId, u => (u.FailedSignIns, u.Lockouts, u.LockedUntil) = (0, 0, null), ct);

    public Task<bool> SetDisabledAsync(Guid userId, bool disabled, CancellationToken ct) =>
        UpdateAsync(userId, u => (u.Disabled, u.SecurityStamp) = (disabled, AppUser.NewStamp()), ct);

    /// <summary>Creates a user, or says why not (a list of problems; empty on success).</summary>
    public async Task<(AppUser? User, Dictionary<string, string[]> Errors)> CreateAsync(string? userName, string? password, string? role, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(userName) || !UserNamePattern().IsMatch(userName))
        {
            errors["userName"] = ["A user name is 1 to 64 letters, digits, '.', '-', '_' or '@'."];
        }

        if (string.IsNullOrEmpty(password) || password.Length < MinimumPasswordLength)
        {
            errors["password"] = [$"A password has at least {MinimumPasswordLength} characters."];
        }

        role ??= Roles.User;
        if (!Roles.IsKnown(role))
        {
            errors["role"] = ["The role is \"user\" or \"admin\"."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (await FindAsync(userName!, ct) is not null)
        {
            errors["userName"] = [Exists(userName!)];
            return (null, errors);
        }

        var user = new AppUser
        {
            Id = Guid.NewGuid(),
            UserName = userName!.Trim(),
            NormalizedUserName = AppUser.Normalize(userName),
            Role = role,
            CreatedAt = clock.GetUtcNow(),
            SecurityStamp = AppUser.NewStamp(),
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        session.Insert(user);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            // A concurrent request (or another instance seeding its admin) took the name since the check above;
            // the unique index on the normalised name decided.
            errors["userName"] = [Exists(userName)];
            return (null, errors);
        }

        return (user, errors);
    }

    private static string Exists(string userName) => $"A user named '{userName}' exists already.";

    public async Task<IReadOnlyList<AppUser>> ListAsync(CancellationToken ct) =>
        await session.Query<AppUser>().OrderBy(u => u.UserName).ToListAsync(ct);

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex UserNamePattern();
}

/// <summary>The outcome of a password check: the user, a wrong password, or a locked account and for how long.</summary>
internal sealed record SignInCheck(AppUser? User, TimeSpan? LockedFor)
{
    public static readonly SignInCheck Failed = new(null, null);

    public static SignInCheck Success(AppUser user) => new(user, null);

    public static SignInCheck Locked(TimeSpan lockedFor) => new(null, lockedFor);
}
