namespace CloudService.Plugins.Sdk;

/// <summary>What the host gives a plugin when it is activated.</summary>
public interface IPluginContext
{
    /// <summary>The plugin's id from its manifest (a lower-case slug).</summary>
    string PluginId { get; }

    /// <summary>The plugin's version from its manifest (SemVer).</summary>
    string Version { get; }

    /// <summary>The folder the plugin was extracted to; read its static assets from here.</summary>
    string PluginDirectory { get; }

    /// <summary>Where the plugin registers the hooks it provides.</summary>
    IHookRegistrar Hooks { get; }

    /// <summary>A log that the host writes under the plugin's id.</summary>
    IPluginLog Log { get; }

    /// <summary>The plugin's settings (see <see cref="IPluginSettings"/>); live for as long as the plugin is active.</summary>
    /// <remarks>Added in SDK 1.1. The default (no settings) keeps test doubles written for 1.0 compiling.</remarks>
    IPluginSettings Settings => NoSettings.Instance;
}

/// <summary>
/// Registers hooks: implementations of the SDK's hook interfaces (for example
/// <see cref="IFilePreviewProvider"/>). Registrations take effect together once
/// <see cref="IPlugin.Register"/> returns (during an upgrade they replace the previous version's in
/// one step); registering after that is refused. The host unregisters all of them on deactivation.
/// </summary>
public interface IHookRegistrar
{
    /// <summary>Registers <paramref name="hook"/> as an implementation of <typeparamref name="THook"/>.</summary>
    /// <typeparam name="THook">An SDK hook interface, such as <see cref="IFilePreviewProvider"/>; the host
    /// refuses any other type (an <see cref="ArgumentException"/>).</typeparam>
    /// <param name="hook">The implementation.</param>
    /// <exception cref="InvalidOperationException">Called after <see cref="IPlugin.Register"/> returned.</exception>
    void Register<THook>(THook hook) where THook : class, IPluginHook;
}

/// <summary>Marks the SDK interfaces a plugin can implement and register as hooks.</summary>
public interface IPluginHook;

/// <summary>A minimal log. Messages are written by the host under the plugin's id.</summary>
public interface IPluginLog
{
    /// <summary>Writes an informational message.</summary>
    void Info(string message);

    /// <summary>Writes a warning.</summary>
    void Warn(string message);

    /// <summary>Writes an error, with the exception that caused it if there is one.</summary>
    void Error(string message, Exception? exception = null);
}
