using CloudService.Plugins.Sdk;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>What a plugin sees of the host while <see cref="IPlugin.Register"/> runs (and keeps afterwards, if it wants).</summary>
internal sealed class PluginContext(LoadedPlugin owner, string directory, HookRegistrar hooks, IPluginLog log, IPluginSettings settings) : IPluginContext
{
    public string PluginId => owner.PluginId;
    public string Version => owner.Version;
    public string PluginDirectory => directory;
    public IHookRegistrar Hooks => hooks;
    public IPluginLog Log => log;
    public IPluginSettings Settings => settings;
}

/// <summary>
/// Collects a plugin's registrations during <see cref="IPlugin.Register"/>; they become visible
/// only when the runtime puts them in the registry, all at once. Registering later is refused.
/// </summary>
internal sealed class HookRegistrar(LoadedPlugin owner) : IHookRegistrar
{
    private readonly List<HookRegistration> staged = [];
    private bool closed;

    public void Register<THook>(THook hook) where THook : class, IPluginHook
    {
        ArgumentNullException.ThrowIfNull(hook);
        var kind = typeof(THook);
        if (!kind.IsInterface || kind == typeof(IPluginHook) || kind.Assembly != typeof(IPluginHook).Assembly)
        {
            throw new ArgumentException($"{kind.FullName} is not a hook kind: register hooks as one of the SDK's hook interfaces, for example IFilePreviewProvider.");
        }

        // Copied now, into host-owned strings: answering "which types can be previewed" never calls the plugin.
        IReadOnlyList<string> keys = hook switch
        {
            IFilePreviewProvider provider =>
                [.. (provider.SupportedMimeTypes ?? []).Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => new string(m.Trim().ToLowerInvariant())).Distinct()],
            IPluginEndpoint endpoint => PluginEndpoints.KeysOf(endpoint),
            _ => [],
        };
        lock (staged)
        {
            if (closed)
            {
                throw new InvalidOperationException("Hooks can only be registered while IPlugin.Register runs.");
            }

            staged.Add(new HookRegistration(kind, hook, owner, keys));
        }
    }

    /// <summary>Ends registration and returns what was registered.</summary>
    public IReadOnlyList<HookRegistration> Close()
    {
        lock (staged)
        {
            closed = true;
            return [.. staged];
        }
    }
}

/// <summary>
/// The plugin's log: a logger created by category name (never <c>ILogger&lt;PluginType&gt;</c>, whose
/// generic instantiation in the host's container would pin the plugin's context).
/// </summary>
internal sealed class PluginLog(ILogger logger, string pluginId, string version) : IPluginLog
{
    public void Info(string message) => logger.LogInformation("[{PluginId} {Version}] {Message}", pluginId, version, message);

    public void Warn(string message) => logger.LogWarning("[{PluginId} {Version}] {Message}", pluginId, version, message);

    public void Error(string message, Exception? exception = null) =>
        logger.LogError(exception, "[{PluginId} {Version}] {Message}", pluginId, version, message);
}
