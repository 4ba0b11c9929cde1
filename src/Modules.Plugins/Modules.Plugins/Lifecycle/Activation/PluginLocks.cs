using System.Collections.Concurrent;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Serialises work on one plugin inside this instance (a command and a reconcile must not load and
/// unload the same plugin at once). Across instances the stream's expected version decides.
/// </summary>
internal sealed class PluginLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string pluginId, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(pluginId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
