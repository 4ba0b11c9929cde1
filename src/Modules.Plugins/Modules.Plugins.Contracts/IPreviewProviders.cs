using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Contracts;

/// <summary>
/// The preview providers that active plugins registered on this instance. The Preview module asks
/// it; it never sees plugin types, only SDK interfaces behind a lease.
/// </summary>
public interface IPreviewProviders
{
    /// <summary>
    /// Leases the first active provider that accepts <paramref name="file"/>, or null. Dispose the
    /// lease when done: deactivation waits for leases in flight before unloading the plugin.
    /// </summary>
    PreviewProviderLease? Acquire(PreviewFile file);

    /// <summary>
    /// The provider <see cref="Acquire"/> would lease for <paramref name="file"/> right now, without
    /// leasing it (for cache look-ups), or null when no active provider accepts the file.
    /// </summary>
    PreviewProviderInfo? Find(PreviewFile file);

    /// <summary>The MIME types all active providers support.</summary>
    IReadOnlyCollection<string> SupportedMimeTypes { get; }

    /// <summary>Records that a provider failed to render, so repeated failures show in its audit log.</summary>
    Task ReportFailureAsync(string pluginId, string version, string reason, CancellationToken cancellationToken);
}

/// <summary>Which plugin version provides a preview.</summary>
/// <param name="PluginId">The plugin that registered the provider.</param>
/// <param name="Version">The plugin's version.</param>
public sealed record PreviewProviderInfo(string PluginId, string Version);

/// <summary>A provider in use. Dispose it when the render is finished.</summary>
public abstract class PreviewProviderLease : IDisposable
{
    /// <summary>The plugin that registered the provider.</summary>
    public abstract string PluginId { get; }

    /// <summary>The plugin's version.</summary>
    public abstract string Version { get; }

    /// <summary>
    /// Renders with the leased provider. A failure of the provider surfaces as an
    /// <see cref="InvalidOperationException"/> whose message names the plugin and the error (never the
    /// plugin's own exception object, which would keep the plugin's code in memory); cancellation
    /// through <paramref name="cancellationToken"/> as an <see cref="OperationCanceledException"/>.
    /// </summary>
    public abstract Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken);

    /// <summary>Ends the lease.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the lease.</summary>
    protected abstract void Dispose(bool disposing);
}
