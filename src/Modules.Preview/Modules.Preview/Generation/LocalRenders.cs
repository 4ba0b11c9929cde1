using CloudService.BuildingBlocks.Threading;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Generation;

internal enum LocalStart
{
    /// <summary>This instance took the render claim and renders now.</summary>
    Started,

    /// <summary>The render waits in this instance's queue for its user's turn; its result wakes the waiters.</summary>
    Queued,

    /// <summary>Another renderer (or a queued request) holds the claim; its result wakes the waiters.</summary>
    ClaimedElsewhere,

    /// <summary>The queue is full (for this user, or for everyone): the request is refused (503 with Retry-After).</summary>
    Busy,
}

/// <summary>
/// The instance's render slots, shared fairly between users (issue 23). A user holds at most
/// <see cref="PreviewOptions.RenderSlotsPerUser"/> of the <see cref="PreviewOptions.RenderConcurrency"/>
/// slots; what cannot start at once waits in a queue per user, and a freed slot goes to the next user
/// in turn (round robin), so a user who floods the server waits behind their own renders, never
/// another user behind them. The queue is bounded per user and in all; past it a request is refused.
/// The render runs apart from the request (its own scope, the host's lifetime): a request that stops
/// waiting (202) or goes away leaves it to finish for everyone. A slot stays taken until the provider
/// really returns — also after the time limit cut the request off — so a provider that ignores
/// cancellation cannot make its user's share larger. Renders requested over the bus and
/// pre-generation take the same slots.
/// </summary>
internal sealed class LocalRenders(IServiceScopeFactory scopes, PreviewStore store, PreviewOptions options, IHostApplicationLifetime lifetime, ILogger<LocalRenders> logger)
{
    private readonly Lock gate = new();
    private readonly int capacity = Math.Max(1, options.RenderConcurrency);
    private readonly int share = Math.Clamp(options.RenderSlotsPerUser, 1, Math.Max(1, options.RenderConcurrency));
    private readonly Dictionary<Guid, UserRenders> users = [];
    private readonly LinkedList<Guid> turns = new();
    private readonly HashSet<PreviewKey> queuedKeys = [];
    private int running;
    private int queued;

    /// <summary>Renders now, if the user's share and a slot allow it; else queues (bounded) the render of a preview nobody claimed.</summary>
    public async Task<LocalStart> TryStartAsync(StoredFile file, PreviewKey key, CancellationToken ct)
    {
        bool now;
        lock (gate)
        {
            if (queuedKeys.Contains(key))
            {
                return LocalStart.ClaimedElsewhere;
            }

            now = TryTakeSlot(key.UserId);
        }

        if (now)
        {
            var owner = Guid.NewGuid();
            bool claimed;
            try
            {
                claimed = await store.TryStartRenderAsync(key, owner, options.RenderClaimLease, ct);
            }
            catch
            {
                ReleaseSlot(key.UserId);
                throw;
            }

            if (!claimed)
            {
                ReleaseSlot(key.UserId);
                return LocalStart.ClaimedElsewhere;
            }

            _ = Task.Run(() => RunClaimedAsync(file, key, owner), CancellationToken.None);
            return LocalStart.Started;
        }

        // Claimed as queued first, so that no other request (here or on another instance) queues it too.
        if (!await store.TryQueueAsync(key, options.QueuedClaimLease, ct))
        {
            return LocalStart.ClaimedElsewhere;
        }

        LocalStart outcome;
        lock (gate)
        {
            var user = UserOf(key.UserId);
            if (queuedKeys.Contains(key))
            {
                return LocalStart.ClaimedElsewhere;
            }

            if (queued >= options.MaxQueuedRenders || user.QueuedRequests >= options.MaxQueuedRendersPerUser)
            {
                outcome = LocalStart.Busy;
            }
            else
            {
                user.Queue.Enqueue(new Work(key, () => RunQueuedAsync(file, key), null, CancellationToken.None));
                user.QueuedRequests++;
                queuedKeys.Add(key);
                queued++;
                if (user.Queue.Count == 1)
                {
                    turns.AddLast(key.UserId);
                }

                Dispatch();
                outcome = LocalStart.Queued;
            }
        }

        if (outcome == LocalStart.Busy)
        {
            ForgetUnused(key.UserId);
            await store.ReleaseAsync(key, owner: null, CancellationToken.None);
            logger.LogInformation("Preview queue full for user {UserId}: a render of {Sha256} was refused", key.UserId, key.Sha256);
        }

        return outcome;
    }

    /// <summary>Runs <paramref name="render"/> in one of <paramref name="userId"/>'s slots, waiting for the user's turn (renders requested over the bus, pre-generation).</summary>
    public Task RunInSlotAsync(Guid userId, Func<Task> render, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            // Not bounded here: their consumers' own concurrency limits bound how many wait.
            var user = UserOf(userId);
            user.Queue.Enqueue(new Work(null, render, done, ct));
            queued++;
            if (user.Queue.Count == 1)
            {
                turns.AddLast(userId);
            }

            Dispatch();
        }

        return done.Task;
    }

    /// <summary>Whether <paramref name="userId"/> has renders waiting for a slot here: asked for more than their share, so their renders run at low priority.</summary>
    public bool IsFlooding(Guid userId)
    {
        lock (gate)
        {
            return users.TryGetValue(userId, out var user) && user.Queue.Count > 0;
        }
    }

    /// <summary>How many renders of <paramref name="userId"/> run and wait on this instance now (for tests and diagnostics).</summary>
    public (int Running, int Queued) CountsFor(Guid userId)
    {
        lock (gate)
        {
            return users.TryGetValue(userId, out var user) ? (user.Running, user.Queue.Count) : (0, 0);
        }
    }

    private bool TryTakeSlot(Guid userId)
    {
        var user = UserOf(userId);
        // Waiting renders of anyone go first: a freed slot is handed on at once, so a free one means nobody eligible waits.
        if (running >= capacity || user.Running >= share || user.Queue.Count > 0)
        {
            ForgetUnusedLocked(userId, user);
            return false;
        }

        running++;
        user.Running++;
        return true;
    }

    private void ReleaseSlot(Guid userId)
    {
        lock (gate)
        {
            running--;
            var user = UserOf(userId);
            user.Running--;
            ForgetUnusedLocked(userId, user);
            Dispatch();
        }
    }

    /// <summary>Starts queued work while slots are free: the next user in turn whose share allows it, first come first served within a user.</summary>
    private void Dispatch()
    {
        while (running < capacity)
        {
            var node = turns.First;
            while (node is not null && users[node.Value].Running >= share)
            {
                node = node.Next;
            }

            if (node is null)
            {
                return;
            }

            var userId = node.Value;
            var user = users[userId];
            var work = user.Queue.Dequeue();
            queued--;
            if (work.Key is not null)
            {
                queuedKeys.Remove(work.Key);
                user.QueuedRequests--;
            }

            // The user goes to the back of the line (or leaves it with nothing left to wait for).
            turns.Remove(node);
            if (user.Queue.Count > 0)
            {
                turns.AddLast(userId);
            }

            running++;
            user.Running++;
            _ = Task.Run(() => RunWorkAsync(userId, work), CancellationToken.None);
        }
    }

    private async Task RunWorkAsync(Guid userId, Work work)
    {
        try
        {
            work.Cancellation.ThrowIfCancellationRequested();
            await work.Run();
            work.Done?.TrySetResult();
        }
        catch (OperationCanceledException) when (work.Cancellation.IsCancellationRequested)
        {
            work.Done?.TrySetCanceled(work.Cancellation);
        }
        catch (Exception e)
        {
            work.Done?.TrySetException(e);
        }
        finally
        {
            ReleaseSlot(userId);
        }
    }

    /// <summary>A queued render: it takes the render claim when its turn comes (someone may have rendered it meanwhile).</summary>
    private async Task RunQueuedAsync(StoredFile file, PreviewKey key)
    {
        var owner = Guid.NewGuid();
        if (!await store.TryStartRenderAsync(key, owner, options.RenderClaimLease, lifetime.ApplicationStopping))
        {
            return;
        }

        await GenerateAsync(file, key, owner);
    }

    private async Task RunClaimedAsync(StoredFile file, PreviewKey key, Guid owner)
    {
        try
        {
            await GenerateAsync(file, key, owner);
        }
        finally
        {
            ReleaseSlot(key.UserId);
        }
    }

    private async Task GenerateAsync(StoredFile file, PreviewKey key, Guid owner)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PreviewGenerator>().GenerateClaimedAsync(file, key, owner, stopping);
            await scope.ServiceProvider.GetRequiredService<RenderTail>().WhenDoneAsync();
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // The claim was given up and the waiters woken; they ask again within their budget.
            logger.LogWarning(e, "Rendering the preview of {Sha256} with {Provider} on this instance failed", key.Sha256, key.Provider);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping; the claim was given up.
        }
    }

    private UserRenders UserOf(Guid userId)
    {
        if (!users.TryGetValue(userId, out var user))
        {
            users[userId] = user = new UserRenders();
        }

        return user;
    }

    private void ForgetUnused(Guid userId)
    {
        lock (gate)
        {
            ForgetUnusedLocked(userId, UserOf(userId));
        }
    }

    private void ForgetUnusedLocked(Guid userId, UserRenders user)
    {
        if (user.Running == 0 && user.Queue.Count == 0)
        {
            users.Remove(userId);
        }
    }

    private sealed class UserRenders
    {
        public int Running { get; set; }

        /// <summary>Queued renders of preview requests (what <see cref="PreviewOptions.MaxQueuedRendersPerUser"/> bounds).</summary>
        public int QueuedRequests { get; set; }

        public Queue<Work> Queue { get; } = new();
    }

    private sealed record Work(PreviewKey? Key, Func<Task> Run, TaskCompletionSource? Done, CancellationToken Cancellation);
}

/// <summary>
/// What a render leaves running after its caller stopped waiting for it (a provider past its time
/// limit that ignores cancellation). Scoped to one render: its slot is released only when this is done.
/// </summary>
internal sealed class RenderTail
{
    private readonly List<Task> tails = [];

    public void Add(Task task)
    {
        lock (tails)
        {
            tails.Add(task);
        }
    }

    public Task WhenDoneAsync()
    {
        lock (tails)
        {
            // Its outcome was handled where it ran; only its end matters here.
            return Task.WhenAll(tails).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}

/// <summary>
/// Where providers and the sanitiser run: dedicated threads, so a provider that computes without
/// awaiting never holds the thread pool's threads. A render of a user who has more renders waiting
/// than their share of slots (a flood) runs on threads of lower priority (<see cref="PreviewOptions.RenderNice"/>,
/// see <see cref="BackgroundPriorityScheduler"/>): on a busy machine it gets the CPU time that request
/// handling, the other users' renders, the database and the broker leave (issue 23). Lowering every
/// render instead was measured and made the small user's own render wait behind the flood's uploads.
/// One thread per render slot in each: a slot stays taken until its provider really returns, so a
/// render that holds a slot never waits for a thread.
/// </summary>
internal sealed class RenderThreads(PreviewOptions options) : IDisposable
{
    private readonly BackgroundPriorityScheduler normal = new("preview render", Math.Max(1, options.RenderConcurrency), nice: 0);
    private readonly BackgroundPriorityScheduler demoted = new("preview render (flood)", Math.Max(1, options.RenderConcurrency), options.RenderNice);

    public Task<T> Run<T>(bool demote, Func<Task<T>> run) => (demote ? demoted : normal).Run(run);

    public Task<T> Run<T>(bool demote, Func<T> run) => (demote ? demoted : normal).Run(run);

    public void Dispose()
    {
        normal.Dispose();
        demoted.Dispose();
    }
}
