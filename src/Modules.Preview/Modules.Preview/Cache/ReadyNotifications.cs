namespace CloudService.Modules.Preview.Cache;

/// <summary>
/// Wakes the requests of this instance that wait for a content's preview when any instance
/// finishes (or gives up) generating it. Fed by <see cref="ReadyListener"/> (PostgreSQL NOTIFY).
/// </summary>
internal sealed class ReadyNotifications
{
    private readonly Dictionary<string, Slot> slots = new(StringComparer.Ordinal);

    /// <summary>Starts listening for <paramref name="sha256"/>; a notification after this call is never missed.</summary>
    public Subscription Subscribe(string sha256)
    {
        lock (slots)
        {
            if (!slots.TryGetValue(sha256, out var slot))
            {
                slots[sha256] = slot = new Slot();
            }

            slot.Subscribers++;
            return new Subscription(this, sha256, slot.Signal.Task);
        }
    }

    public void Notify(string sha256)
    {
        lock (slots)
        {
            if (slots.TryGetValue(sha256, out var slot))
            {
                slot.Fire();
            }
        }
    }

    /// <summary>Wakes everyone (the listener lost its connection and may have missed notifications).</summary>
    public void NotifyAll()
    {
        lock (slots)
        {
            foreach (var slot in slots.Values)
            {
                slot.Fire();
            }
        }
    }

    private Task Current(string sha256)
    {
        lock (slots)
        {
            return slots[sha256].Signal.Task;
        }
    }

    private void Unsubscribe(string sha256)
    {
        lock (slots)
        {
            if (slots.TryGetValue(sha256, out var slot) && --slot.Subscribers == 0)
            {
                slots.Remove(sha256);
            }
        }
    }

    private sealed class Slot
    {
        public TaskCompletionSource Signal { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Subscribers { get; set; }

        public void Fire()
        {
            Signal.TrySetResult();
            Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    internal sealed class Subscription(ReadyNotifications owner, string sha256, Task signal) : IDisposable
    {
        private Task signal = signal;

        /// <summary>Waits for the next notification (or one that came since the last wait), at most <paramref name="timeout"/>.</summary>
        public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            try
            {
                await signal.WaitAsync(timeout, ct);
            }
            catch (TimeoutException)
            {
                // Callers look at the cache either way.
            }

            if (signal.IsCompleted)
            {
                signal = owner.Current(sha256);
            }
        }

        public void Dispose() => owner.Unsubscribe(sha256);
    }
}
