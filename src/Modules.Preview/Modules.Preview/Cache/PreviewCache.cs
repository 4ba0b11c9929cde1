using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;

namespace CloudService.Modules.Preview.Cache;

/// <summary>
/// Reads previews: first from this instance's memory, then from the shared store. A key's preview
/// never changes (ADR 4), so a copy in memory cannot go stale; it only saves the round trip.
/// Last-access times for the store's LRU eviction are written coarsely, in batches (<see cref="TouchFlusher"/>).
/// </summary>
internal sealed class PreviewCache(PreviewStore store, PreviewOptions options) : IDisposable
{
    private readonly MemoryCache memory = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.MemoryCacheBytes) });
    private readonly ConcurrentDictionary<PreviewKey, long> lastTouched = new();
    private readonly ConcurrentQueue<PreviewKey> touches = new();

    public async Task<(CachedPreview? Preview, CachedFailure? Failure)> LookupAsync(PreviewKey key, CancellationToken ct)
    {
        if (memory.TryGetValue(key, out CachedPreview? hot) && hot is not null)
        {
            Touch(key);
            return (hot, null);
        }

        var (preview, failure) = await store.LookupAsync(key, ct);
        if (preview is not null)
        {
            Remember(key, preview);
            Touch(key);
        }

        return (preview, failure);
    }

    public void Remember(PreviewKey key, CachedPreview preview)
    {
        var size = PreviewStore.SizeOf(preview);
        if (size <= options.MemoryCacheBytes / 4)
        {
            memory.Set(key, preview, new MemoryCacheEntryOptions { Size = Math.Max(1, size) });
        }
    }

    /// <summary>The keys served since the last call, each at most once per <see cref="PreviewOptions.TouchInterval"/>.</summary>
    public IReadOnlyCollection<PreviewKey> TakeTouches()
    {
        var keys = new HashSet<PreviewKey>();
        while (touches.TryDequeue(out var key))
        {
            keys.Add(key);
        }

        if (lastTouched.Count > 100_000)
        {
            lastTouched.Clear();
        }

        return keys;
    }

    private void Touch(PreviewKey key)
    {
        var now = Environment.TickCount64;
        var interval = (long)options.TouchInterval.TotalMilliseconds;
        var previous = lastTouched.GetOrAdd(key, long.MinValue);
        if ((previous == long.MinValue || now - previous >= interval) && lastTouched.TryUpdate(key, now, previous))
        {
            touches.Enqueue(key);
        }
    }

    public void Dispose() => memory.Dispose();
}
