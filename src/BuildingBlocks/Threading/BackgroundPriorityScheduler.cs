using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CloudService.BuildingBlocks.Threading;

/// <summary>
/// A few dedicated threads that run CPU-heavy work no request waits on directly (preview renders) at a
/// lower scheduling priority: on Linux each thread lowers its own nice value once when it starts
/// (<c>setpriority</c> on its thread id; lowering needs no privilege). Request handling, PostgreSQL and
/// the broker then get a busy machine's cores first, so a user who floods heavy renders costs other
/// users a short wait for a core, not the full length of every render they queue behind (issue 23).
/// Work that awaits keeps running here after its awaits (the scheduler is captured), unless it opts
/// out with <c>ConfigureAwait(false)</c>. Elsewhere, or with a nice value of 0, the threads run at the
/// normal priority.
/// </summary>
public sealed partial class BackgroundPriorityScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> work = [];
    private readonly Thread[] threads;
    private readonly ThreadLocal<bool> isWorker = new();

    /// <param name="name">What the threads are called (seen in dumps and <c>top -H</c>).</param>
    /// <param name="threadCount">How many threads; the callers' own limits decide how many items run at once.</param>
    /// <param name="nice">The nice value the threads take (0 = normal, 19 = lowest).</param>
    public BackgroundPriorityScheduler(string name, int threadCount, int nice)
    {
        Nice = Math.Clamp(nice, 0, 19);
        threads = new Thread[Math.Max(1, threadCount)];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name} {i + 1}" };
            threads[i].Start();
        }
    }

    public int Nice { get; }

    public override int MaximumConcurrencyLevel => threads.Length;

    /// <summary>Runs <paramref name="run"/> on these threads; its continuations stay here too.</summary>
    public Task<T> Run<T>(Func<Task<T>> run) =>
        Task.Factory.StartNew(run, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Runs <paramref name="run"/> on these threads.</summary>
    public Task<T> Run<T>(Func<T> run) =>
        Task.Factory.StartNew(run, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this);

    public void Dispose()
    {
        work.CompleteAdding();
        isWorker.Dispose();
    }

    protected override void QueueTask(Task task) => work.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        // Only on one of these threads: inlining elsewhere would run the work at the caller's priority.
        isWorker.Value && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => work.ToArray();

    private void Run()
    {
        isWorker.Value = true;
        LowerPriority();
        while (RunNext())
        {
        }
    }

    /// <summary>
    /// Takes and runs one task in a frame of its own: a thread that waits for the next task must not
    /// keep the last one reachable from its stack. That task's result may be a plugin's object, and a
    /// plugin whose objects are reachable cannot be unloaded (a waiting loop variable did just that).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunNext()
    {
        if (!work.TryTake(out var task, Timeout.Infinite))
        {
            return false;
        }

        TryExecuteTask(task);
        return true;
    }

    private void LowerPriority()
    {
        if (Nice == 0 || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = SetPriority(PrioProcess, GetThreadId(), Nice); // refused: the thread runs at the normal priority
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (or too old for gettid): the normal priority.
        }
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
