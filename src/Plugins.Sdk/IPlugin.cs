namespace CloudService.Plugins.Sdk;

/// <summary>
/// The entry point of a plugin. The host creates one instance (through a public parameterless
/// constructor) when the plugin is activated and calls <see cref="Register"/> once; the plugin
/// registers everything it provides there. Keep it fast and side-effect free: activation has a
/// time limit, and a plugin may be activated and deactivated many times in one process.
/// </summary>
public interface IPlugin
{
    /// <summary>Registers the plugin's hooks. Called once per activation.</summary>
    /// <param name="context">What the host offers the plugin while it is active.</param>
    void Register(IPluginContext context);
}
