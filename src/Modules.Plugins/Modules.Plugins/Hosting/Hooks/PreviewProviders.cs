using CloudService.BuildingBlocks.Errors;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Plugins.Sdk;
using Marten;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>
/// The preview providers of the active plugins, for the Preview module. Every call into a plugin
/// goes through its gate (so retiring it waits for the call); a provider whose plugin is being
/// retired is skipped, and if that happens during an upgrade the fresh registry already holds the
/// new version, which is asked instead.
/// </summary>
internal sealed class PreviewProviders(HookRegistry hooks, IDocumentStore store, TimeProvider clock, ILogger<PreviewProviders> logger) : IPreviewProviders
{
    private const int MaxReasonLength = 2000;
    private MimeTypes mimeTypes = new(-1, []);

    public IReadOnlyCollection<string> SupportedMimeTypes
    {
        get
        {
            var snapshot = hooks.Current;
            var cached = Volatile.Read(ref mimeTypes);
            if (cached.Generation == snapshot.Generation)
            {
                return cached.Types;
            }

            string[] types = [.. snapshot.Of<IFilePreviewProvider>().SelectMany(h => h.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            Volatile.Write(ref mimeTypes, new MimeTypes(snapshot.Generation, types));
            return types;
        }
    }

    public PreviewProviderLease? Acquire(PreviewFile file)
    {
        var registration = FindEntered(file);
        return registration is null ? null : new Lease(registration, logger);
    }

    public PreviewProviderInfo? Find(PreviewFile file)
    {
        var registration = FindEntered(file);
        if (registration is null)
        {
            return null;
        }

        registration.Owner.Exit();
        return new PreviewProviderInfo(registration.Owner.PluginId, registration.Owner.Version);
    }

    public async Task ReportFailureAsync(string pluginId, string version, string reason, CancellationToken cancellationToken)
    {
        if (reason.Length > MaxReasonLength)
        {
            reason = reason[..MaxReasonLength] + "…";
        }

        await using (var query = store.QuerySession())
        {
            if (await query.Events.FetchStreamStateAsync(pluginId, cancellationToken) is null)
            {
                return;
            }
        }

        await InformationalEvents.AppendAsync(store, pluginId, new RenderFailed(version, "system", clock.GetUtcNow(), reason), cancellationToken);
    }

    /// <summary>The first provider that accepts the file, with its plugin entered (the caller must Exit it), or null.</summary>
    private HookRegistration? FindEntered(PreviewFile file)
    {
        // A few attempts: a provider skipped because its plugin was being retired has a successor in a newer snapshot.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var snapshot = hooks.Current;
            var skipped = false;
            foreach (var registration in snapshot.Of<IFilePreviewProvider>())
            {
                if (!registration.Owner.TryEnter())
                {
                    skipped = true;
                    continue;
                }

                if (Accepts(registration, file))
                {
                    return registration;
                }

                registration.Owner.Exit();
            }

            if (!skipped || ReferenceEquals(snapshot, hooks.Current))
            {
                return null;
            }
        }

        return null;
    }

    private bool Accepts(HookRegistration registration, PreviewFile file)
    {
        try
        {
            return ((IFilePreviewProvider)registration.Hook).CanPreview(file);
        }
        catch (Exception e)
        {
            logger.LogWarning("Preview provider of {PluginId} {Version} threw in CanPreview; treated as 'no': {Error}",
                registration.Owner.PluginId, registration.Owner.Version, e.ToString());
            return false;
        }
    }

    /// <summary>Derived from one registry generation; holds only strings, never the snapshot.</summary>
    private sealed record MimeTypes(long Generation, IReadOnlyCollection<string> Types);

    /// <summary>A provider in use. Holds the plugin's gate until disposed, then lets go of every reference into it.</summary>
    private sealed class Lease(HookRegistration registration, ILogger logger) : PreviewProviderLease
    {
        private IFilePreviewProvider? provider = (IFilePreviewProvider)registration.Hook;
        private LoadedPlugin? owner = registration.Owner;

        public override string PluginId { get; } = registration.Owner.PluginId;

        public override string Version { get; } = registration.Owner.Version;

        public override async Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)
        {
            var leased = provider ?? throw new ObjectDisposedException(nameof(PreviewProviderLease));
            try
            {
                return await leased.RenderAsync(file, content, cancellationToken) ?? throw new InvalidOperationException("The provider returned no result.");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The render was cancelled.", cancellationToken);
            }
            catch (Exception e)
            {
                // Only text leaves: the plugin's exception object would keep its context alive wherever it is kept.
                logger.LogWarning("Preview provider of {PluginId} {Version} failed on {FileName}: {Error}", PluginId, Version, file.FileName, e.ToString());
                throw new InvalidOperationException($"{PluginId} {Version} failed to render {file.FileName}: {e.GetType().Name}: {SafeText.Scrub(e.Message)}");
            }
        }

        protected override void Dispose(bool disposing)
        {
            provider = null;
            Interlocked.Exchange(ref owner, null)?.Exit();
        }
    }
}
