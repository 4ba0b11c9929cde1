using CloudService.Modules.Storage.Contracts;
using Microsoft.Extensions.Caching.Memory;

namespace CloudService.Modules.Preview.Serving;

/// <summary>
/// Remembers, per instance, which files a user may see, so a cached preview is served without a
/// database round trip. Safe because what it remembers cannot change: a file's owner and content are
/// fixed for its life (a new version is a new file). Only deletion ends it, and every instance forgets
/// a deleted file as soon as it hears <see cref="FileDeleted"/> (<see cref="FileDeletedBroadcastConsumer"/>);
/// <see cref="PreviewOptions.AccessCacheTtl"/> bounds the rest, should that message be late.
/// Only positive answers are kept: "not yours" and "unknown" are always asked.
/// </summary>
internal sealed class AccessCache(PreviewOptions options) : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public StoredFile? Find(Guid fileId, Guid ownerId) =>
        options.AccessCacheTtl > TimeSpan.Zero && cache.TryGetValue((fileId, ownerId), out StoredFile? file) ? file : null;

    public void Remember(StoredFile file)
    {
        if (options.AccessCacheTtl > TimeSpan.Zero)
        {
            cache.Set((file.Id, file.OwnerId), file, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.AccessCacheTtl });
        }
    }

    public void Forget(Guid fileId, Guid ownerId) => cache.Remove((fileId, ownerId));

    public void Dispose() => cache.Dispose();
}
