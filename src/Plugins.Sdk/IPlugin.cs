namespace CloudService.Plugins.Sdk;

/// <summary>
/// The entry point of a plugin. The host creates one instance (through a public parameterless
/// constructor) when the plugin is activated and calls <see cref="Register"/> once; the plugin
/// registers everything it provides there. Keep it fast and side-effect free: activation has a
/// time limit, and a plugin may be activated and deactivated many times in one process.
/// </summary>
/// <remarks>
/// <para>The plugin runs in its own collectible load context: the SDK and the .NET shared framework
/// come from the host, every other dependency from the plugin's folder (its <c>.deps.json</c>).
/// Build it with <c>&lt;EnableDynamicLoading&gt;true&lt;/EnableDynamicLoading&gt;</c> and reference
/// the SDK with <c>&lt;Private&gt;false&lt;/Private&gt;&lt;ExcludeAssets&gt;runtime&lt;/ExcludeAssets&gt;</c>,
/// so the package does not ship its own copy of the SDK.</para>
/// <para>On deactivation the host unregisters the hooks, waits for calls in flight, disposes the
/// plugin if it implements <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> (stop any
/// thread or timer you started there), unloads the context and checks that it was collected.
/// Anything still running or referenced from outside the plugin keeps it in memory, and the audit
/// log says so.</para>
/// </remarks>
public interface IPlugin
{
    /// <summary>Registers the plugin's hooks. Called once per activation.</summary>
    /// <param name="context">What the host offers the plugin while it is active.</param>
    void Register(IPluginContext context);
}
