using System.Text.RegularExpressions;
using CloudService.BuildingBlocks.Security;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Identity;

namespace CloudService.Bootstrapper.Identity;

internal sealed partial class Users(IDocumentSession session, IPasswordHasher<AppUser> hasher)
{
    public const int MinimumPasswordLength = 8;

    public async Task<AppUser?> FindAsync(string userName, CancellationToken ct) =>
        await session.Query<AppUser>().SingleOrDefaultAsync(u => u.NormalizedUserName == AppUser.Normalize(userName), ct);

    public async Task<AppUser?> VerifyAsync(string userName, string password, CancellationToken ct)
    {
        var user = await FindAsync(userName, ct);
        if (user is null)
        {
            // Same work for unknown names, so timing does not reveal which names exist.
            hasher.HashPassword(new AppUser(), password);
            return null;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            session.Store(user);
            await session.SaveChangesAsync(ct);
        }

        return result == PasswordVerificationResult.Failed ? null : user;
    }

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
            CreatedAt = DateTimeOffset.UtcNow,
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
