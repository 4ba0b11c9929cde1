using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>
/// One hook a plugin registered. <see cref="Kind"/> is always an SDK interface (never a plugin
/// type), so nothing keyed by it pins a plugin's context. <see cref="Keys"/> is what the hook said
/// it handles, copied at registration (a preview provider's MIME types), so the host can answer
/// questions about it without calling into the plugin.
/// </summary>
internal sealed record HookRegistration(Type Kind, IPluginHook Hook, LoadedPlugin Owner, IReadOnlyList<string> Keys);

/// <summary>
/// Every hook that active plugins registered on this instance, per plugin and per kind. Readers
/// take an immutable snapshot without locking; writers replace it whole, so a plugin's hooks
/// appear and disappear together and an upgrade swaps one version's hooks for the next in one step
/// (there is no moment in which neither serves). New hook kinds (storage backends, UI, API
/// endpoints) need no change here: they are another SDK interface and a reader asking for it.
/// </summary>
internal sealed class HookRegistry
{
    private readonly Lock writer = new();
    private Snapshot current = Snapshot.Empty;

    public Snapshot Current => Volatile.Read(ref current);

    /// <summary>Puts <paramref name="registrations"/> in place of whatever <paramref name="pluginId"/> registered before, keeping its position.</summary>
    public void Replace(string pluginId, IReadOnlyList<HookRegistration> registrations) =>
        Update(plugins =>
        {
            var index = plugins.FindIndex(p => p.PluginId == pluginId);
            if (index < 0)
            {
                plugins.Add((pluginId, registrations));
            }
            else
            {
                plugins[index] = (pluginId, registrations);
            }
        });

    public void Remove(string pluginId) => Update(plugins => plugins.RemoveAll(p => p.PluginId == pluginId));

    private void Update(Action<List<(string PluginId, IReadOnlyList<HookRegistration> Hooks)>> change)
    {
        lock (writer)
        {
            var plugins = current.Plugins.ToList();
            change(plugins);
            Volatile.Write(ref current, new Snapshot(current.Generation + 1, plugins));
        }
    }

    /// <summary>The registrations at one moment, in plugin activation order, then registration order.</summary>
    internal sealed class Snapshot
    {
        public static readonly Snapshot Empty = new(0, []);

        private readonly Dictionary<Type, HookRegistration[]> byKind;

        public Snapshot(long generation, IReadOnlyList<(string PluginId, IReadOnlyList<HookRegistration> Hooks)> plugins)
        {
            Generation = generation;
            Plugins = plugins;
            byKind = plugins.SelectMany(p => p.Hooks).GroupBy(h => h.Kind).ToDictionary(g => g.Key, g => g.ToArray());
        }

        /// <summary>Increases with every change; lets readers cache what they derive from a snapshot without holding it.</summary>
        public long Generation { get; }

        public IReadOnlyList<(string PluginId, IReadOnlyList<HookRegistration> Hooks)> Plugins { get; }

        public IReadOnlyList<HookRegistration> Of<THook>() where THook : class, IPluginHook =>
            byKind.TryGetValue(typeof(THook), out var hooks) ? hooks : [];
    }
}
