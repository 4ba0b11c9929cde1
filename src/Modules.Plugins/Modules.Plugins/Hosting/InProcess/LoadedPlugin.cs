using System.Runtime.CompilerServices;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>
/// One plugin version loaded in its own context: its entry instance, the hooks it registered, and
/// a gate that counts calls in flight so retiring it can wait for them. Once retired, every
/// reference into the plugin's context is dropped here, so the host holds nothing that pins it.
/// </summary>
internal sealed class LoadedPlugin(string pluginId, string version, PluginLoadContext context, DateTimeOffset loadedAt)
{
    private readonly Lock gate = new();
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PluginLoadContext? context = context;
    private int inFlight;
    private bool closed;

    public string PluginId { get; } = pluginId;
    public string Version { get; } = version;
    public DateTimeOffset LoadedAt { get; } = loadedAt;

    /// <summary>The plugin's entry instance, set once it is created.</summary>
    public IPlugin? Instance { get; set; }

    /// <summary>The hooks the plugin registered, set once <see cref="IPlugin.Register"/> returned.</summary>
    public IReadOnlyList<HookRegistration> Registrations { get; set; } = [];

    /// <summary>Enters a call into the plugin; false once it is being retired.</summary>
    public bool TryEnter()
    {
        lock (gate)
        {
            if (closed)
            {
                return false;
            }

            inFlight++;
            return true;
        }
    }

    public void Exit()
    {
        lock (gate)
        {
            if (--inFlight == 0 && closed)
            {
                drained.TrySetResult();
            }
        }
    }

    /// <summary>Refuses new calls and waits (bounded) for those in flight; false when some did not finish in time.</summary>
    public async Task<bool> CloseAndDrainAsync(TimeSpan timeout)
    {
        lock (gate)
        {
            closed = true;
            if (inFlight == 0)
            {
                drained.TrySetResult();
            }
        }

        try
        {
            await drained.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Drops every reference into the plugin's context and starts unloading it. Returns only a weak
    /// reference to the context: kept out of line so no caller's frame or state machine holds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var unloading = Interlocked.Exchange(ref context, null) ?? throw new InvalidOperationException($"{PluginId} {Version} was unloaded already.");
        Instance = null;
        Registrations = [];
        unloading.Unload();
        return new WeakReference(unloading);
    }
}
