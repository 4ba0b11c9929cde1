using System.Collections.Concurrent;
using CloudService.Modules.Identity.Users;
using Microsoft.Extensions.Caching.Memory;

namespace CloudService.Modules.Identity.Sessions;

/// <summary>
/// Remembers, for <see cref="IdentityOptions.SessionCheckCacheTime"/>, that a session was current, so
/// a busy client does not cost a PostgreSQL round trip per request (measured in docs/benchmarks.md:
/// the check alone cut cached previews to a sixth). Any change to a user or a sign-out on this
/// instance forgets that user's entries at once (a per-user generation in the key); another
/// instance notices within the cache time, the bounded staleness chosen in docs/security.md.
/// </summary>
internal sealed class SessionCheckCache(IdentityOptions options, TimeProvider clock) : IDisposable
{
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = 100_000, Clock = new SystemClockOf(clock) });
    private readonly ConcurrentDictionary<Guid, long> _generations = new();

    public bool Enabled => options.SessionCheckCacheTime > TimeSpan.Zero;

    public AppUser? Find(Guid userId, Guid sessionId, string stamp, string? role) =>
        Enabled && _entries.TryGetValue(Key(userId, sessionId, stamp, role), out AppUser? user) ? user : null;

    public void Remember(Guid sessionId, string stamp, string? role, AppUser user)
    {
        if (Enabled)
        {
            _entries.Set(Key(user.Id, sessionId, stamp, role), user,
                new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.SessionCheckCacheTime, Size = 1 });
        }
    }

    /// <summary>Forgets every remembered session of the user (its stamp, role, state or sessions changed).</summary>
    public void Forget(Guid userId) => _generations.AddOrUpdate(userId, 1, (_, generation) => generation + 1);

    private (Guid, Guid, string, string?, long) Key(Guid userId, Guid sessionId, string stamp, string? role) =>
        (userId, sessionId, stamp, role, _generations.GetValueOrDefault(userId));

    public void Dispose() => _entries.Dispose();

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes the old ISystemClock; tests drive it with a fake TimeProvider.
    private sealed class SystemClockOf(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
