using CloudService.Plugins.Sdk;

namespace CloudServicePlugin;

/// <summary>
/// The plugin's entry point. The server creates it when an admin activates the plugin and calls
/// <see cref="Register"/> once; keep it fast and start nothing here that outlives deactivation.
/// </summary>
public sealed class CloudServicePluginPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Hooks.Register<IFilePreviewProvider>(new CloudServicePluginProvider());
        context.Log.Info($"{context.PluginId} {context.Version} ready.");
    }
}
