using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using CloudService.BuildingBlocks.Errors;
using CloudService.Plugins.PackageRules;
using CloudService.Plugins.Sdk;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>How an activation went; <paramref name="ReplacedVersionUnload"/> reports the version it replaced, if any.</summary>
internal sealed record ActivationResult(bool Succeeded, string? Error, TimeSpan Elapsed, DeactivationResult? ReplacedVersionUnload);

/// <summary>How a version was retired: whether its context was collected, after how many GC rounds, and whether calls in flight finished in time.</summary>
internal sealed record DeactivationResult(string PluginId, string Version, bool Collected, int GcRounds, TimeSpan Elapsed, bool InFlightDrained);

internal sealed record LoadedPluginInfo(string PluginId, string Version, DateTimeOffset LoadedAt);

/// <summary>
/// Loads plugin versions into collectible contexts, puts their hooks in the registry, and retires
/// them again: unregister, wait for calls in flight, unload, verify the context was collected.
/// Callers serialise work per plugin (PluginLocks); different plugins may be worked on at once.
/// The host keeps only SDK interfaces and primitives of a plugin, and never logs with, serialises,
/// publishes or caches its types (ADR 0002).
/// </summary>
internal sealed class PluginRuntime(HookRegistry hooks, ILoggerFactory loggers, PluginsOptions options, TimeProvider clock, ILogger<PluginRuntime> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, LoadedPlugin> loaded = new(StringComparer.Ordinal);

    public IReadOnlyCollection<LoadedPluginInfo> Loaded =>
        [.. loaded.Values.Select(p => new LoadedPluginInfo(p.PluginId, p.Version, p.LoadedAt))];

    public string? LoadedVersion(string pluginId) => loaded.TryGetValue(pluginId, out var plugin) ? plugin.Version : null;

    /// <summary>
    /// Loads <paramref name="version"/> and makes its hooks serve in place of the version loaded
    /// before (if any), which is then retired. On failure nothing changes: the previous version
    /// keeps serving, and the error says why.
    /// </summary>
    public async Task<ActivationResult> ActivateAsync(string pluginId, string version, string directory, string entryAssembly, IPluginSettings settings, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var (candidate, error) = await LoadAsync(pluginId, version, directory, entryAssembly, settings);
        if (candidate is null)
        {
            logger.LogWarning("Plugin {PluginId} {Version} could not be activated: {Error}", pluginId, version, error);
            return new ActivationResult(false, error, Stopwatch.GetElapsedTime(started), null);
        }

        // The new version's hooks replace the old ones in one step; only then is the old one retired.
        hooks.Replace(pluginId, candidate.Registrations);
        loaded.TryGetValue(pluginId, out var previous);
        loaded[pluginId] = candidate;
        var elapsed = Stopwatch.GetElapsedTime(started);
        logger.LogInformation("Plugin {PluginId} {Version} is active ({Elapsed:0} ms, {Hooks} hook(s))", pluginId, version, elapsed.TotalMilliseconds, candidate.Registrations.Count);

        var replaced = previous is null ? null : await RetireAsync(previous);
        return new ActivationResult(true, null, elapsed, replaced);
    }

    /// <summary>Retires the loaded version of <paramref name="pluginId"/>; an empty result when none was loaded.</summary>
    public async Task<DeactivationResult> DeactivateAsync(string pluginId, CancellationToken ct)
    {
        if (!loaded.TryRemove(pluginId, out var plugin))
        {
            return new DeactivationResult(pluginId, "", true, 0, TimeSpan.Zero, true);
        }

        hooks.Remove(pluginId);
        // Not cancellable: a half-retired plugin would be neither serving nor unloaded.
        return await RetireAsync(plugin);
    }

    private async Task<DeactivationResult> RetireAsync(LoadedPlugin plugin)
    {
        var started = Stopwatch.GetTimestamp();
        var drained = await plugin.CloseAndDrainAsync(options.DrainTimeout);
        if (!drained)
        {
            logger.LogWarning("Plugin {PluginId} {Version}: calls still in flight after {Timeout}; unloading anyway", plugin.PluginId, plugin.Version, options.DrainTimeout);
        }

        await DisposeInstanceAsync(plugin);
        var context = plugin.Unload();
        var (collected, rounds) = await WaitForCollectionAsync(context);
        var elapsed = Stopwatch.GetElapsedTime(started);
        logger.LogInformation("Plugin {PluginId} {Version} unloaded in {Elapsed:0} ms; collected: {Collected} after {Rounds} GC round(s)",
            plugin.PluginId, plugin.Version, elapsed.TotalMilliseconds, collected, rounds);
        return new DeactivationResult(plugin.PluginId, plugin.Version, collected, rounds, elapsed, drained);
    }

    /// <summary>Lets a plugin that implements IAsyncDisposable or IDisposable stop what it started (bounded, errors logged).</summary>
    private async Task DisposeInstanceAsync(LoadedPlugin plugin)
    {
        var instance = plugin.Instance;
        if (instance is not (IAsyncDisposable or IDisposable))
        {
            return;
        }

        try
        {
            var disposing = instance is IAsyncDisposable asyncDisposable
                ? Task.Run(async () => await asyncDisposable.DisposeAsync())
                : Task.Run(((IDisposable)instance).Dispose);
            await disposing.WaitAsync(options.ActivationTimeout);
        }
        catch (Exception e)
        {
            logger.LogWarning("Plugin {PluginId} {Version} failed to dispose: {Error}", plugin.PluginId, plugin.Version, Describe(e));
        }
    }

    /// <summary>Bounded GC rounds until the context is gone. Short pauses let finalizers and late calls finish.</summary>
    private async Task<(bool Collected, int Rounds)> WaitForCollectionAsync(WeakReference context)
    {
        for (var round = 1; round <= options.MaxGcRounds; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (!context.IsAlive)
            {
                return (true, round);
            }

            if (round >= 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * round));
            }
        }

        return (false, options.MaxGcRounds);
    }

    private async Task<(LoadedPlugin? Plugin, string? Error)> LoadAsync(string pluginId, string version, string directory, string entryAssembly, IPluginSettings settings)
    {
        if (string.IsNullOrWhiteSpace(entryAssembly) || Path.GetFileName(entryAssembly) != entryAssembly
            || !entryAssembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"The entry assembly '{entryAssembly}' is not a DLL file name in the plugin's folder.");
        }

        var path = Path.Combine(directory, entryAssembly);
        if (!File.Exists(path))
        {
            return (null, $"The entry assembly {entryAssembly} is not in the plugin's folder.");
        }

        PluginLoadContext context;
        try
        {
            context = new PluginLoadContext($"plugin:{pluginId}@{version} ({options.InstanceName})", path);
        }
        catch (Exception e)
        {
            return (null, $"The plugin's dependency manifest cannot be read: {Describe(e)}");
        }

        var plugin = new LoadedPlugin(pluginId, version, context, clock.GetUtcNow());
        var error = await StartAsync(plugin, context, path, directory, settings);
        if (error is null)
        {
            return (plugin, null);
        }

        plugin.Unload();
        return (null, error);
    }

    /// <summary>Loads the entry assembly, creates the IPlugin and lets it register its hooks, all within the activation time limit.</summary>
    private async Task<string?> StartAsync(LoadedPlugin plugin, PluginLoadContext context, string path, string directory, IPluginSettings settings)
    {
        Type entryType;
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            var candidates = assembly.GetExportedTypes().Where(t => PluginPackageRules.IsEntryCandidate(t) && typeof(IPlugin).IsAssignableFrom(t)).ToList();
            if (candidates.Count != 1)
            {
                return candidates.Count == 0
                    ? $"{Path.GetFileName(path)} has no public non-abstract class implementing {typeof(IPlugin).FullName}."
                    : $"{Path.GetFileName(path)} has {candidates.Count} classes implementing IPlugin ({string.Join(", ", candidates.Select(t => t.FullName))}); exactly one is expected.";
            }

            entryType = candidates[0];
            if (entryType.GetConstructor(Type.EmptyTypes) is null)
            {
                return $"{entryType.FullName} has no public parameterless constructor.";
            }
        }
        catch (Exception e)
        {
            return Describe(e);
        }

        var registrar = new HookRegistrar(plugin);
        var log = new PluginLog(loggers.CreateLogger($"Plugin.{plugin.PluginId}"), plugin.PluginId, plugin.Version);
        var starting = Task.Run(() =>
        {
            var instance = (IPlugin)Activator.CreateInstance(entryType)!;
            plugin.Instance = instance;
            instance.Register(new PluginContext(plugin, directory, registrar, log, settings));
        });
        try
        {
            await starting.WaitAsync(options.ActivationTimeout);
        }
        catch (TimeoutException)
        {
            registrar.Close();
            return $"{entryType.FullName}.Register did not return within {options.ActivationTimeout.TotalSeconds:0.#} s.";
        }
        catch (Exception e)
        {
            return $"{entryType.FullName} failed to start: {Describe(e)}";
        }

        plugin.Registrations = registrar.Close();
        return null;
    }

    /// <summary>
    /// An exception as text. Only the text is kept: an exception thrown by plugin code holds its
    /// stack frames, and with them the plugin's context.
    /// </summary>
    private static string Describe(Exception e)
    {
        while (e is TargetInvocationException or TypeInitializationException or AggregateException && e.InnerException is { } inner)
        {
            e = inner;
        }

        return SafeText.Scrub(e switch
        {
            FileNotFoundException f => $"A dependency is missing: {f.Message}",
            FileLoadException f => $"A dependency cannot be loaded: {f.Message}",
            BadImageFormatException b => $"Not a valid .NET assembly: {b.Message}",
            ReflectionTypeLoadException r => $"Types cannot be loaded: {string.Join(" ", r.LoaderExceptions.Where(l => l is not null).Select(l => l!.Message).Distinct())}",
            TypeLoadException or MissingMemberException => $"Type load error: {e.Message}",
            _ => $"{e.GetType().Name}: {e.Message}",
        });
    }

    /// <summary>On shutdown: unregister and unload everything (no verification; the process is going).</summary>
    public void Dispose()
    {
        foreach (var pluginId in loaded.Keys)
        {
            if (loaded.TryRemove(pluginId, out var plugin))
            {
                hooks.Remove(pluginId);
                plugin.CloseAndDrainAsync(TimeSpan.Zero).GetAwaiter().GetResult();
                plugin.Unload();
            }
        }
    }
}
