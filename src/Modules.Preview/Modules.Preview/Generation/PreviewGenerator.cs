using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CloudService.BuildingBlocks.Errors;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Contracts;
using CloudService.Modules.Preview.Events;
using CloudService.Modules.Preview.Sanitising;
using CloudService.Modules.Storage.Contracts;
using CloudService.Plugins.Sdk;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Generation;

/// <summary>
/// Generates one preview: takes the cluster-wide claim for its key (or leaves it to whoever holds
/// it), renders with a leased provider under the time limit, sanitises, stores and tells everyone.
/// A failure is remembered briefly and reported to the plugin's audit log. Whatever ends a claim also
/// wakes the requests waiting on this instance at once, without the round trip through PostgreSQL's
/// notification (which still wakes the other instances).
/// </summary>
internal sealed class PreviewGenerator(
    IStoredFiles files,
    IPreviewProviders providers,
    PreviewStore store,
    PreviewCache cache,
    ReadyNotifications notifications,
    PreviewSanitizer sanitizer,
    PreviewOptions options,
    RenderTail tail,
    RenderThreads threads,
    LocalRenders renders,
    Announcements announcements,
    ILogger<PreviewGenerator> logger)
{
    /// <summary>Generates the preview of a requested file unless someone else holds the claim (a request from the bus, or pre-generation).</summary>
    public async Task GenerateAsync(Guid fileId, string sha256, string provider, CancellationToken ct)
    {
        var file = await files.FindAsync(fileId, ct);
        if (file is null || file.Sha256 != sha256)
        {
            // The file went (or changed) since the request: nothing to render; waiters look again.
            await store.ReleaseQueuedAsync(sha256, provider, ct);
            notifications.Notify(sha256);
            return;
        }

        var key = new PreviewKey(sha256, provider, file.OwnerId);

        var owner = Guid.NewGuid();
        if (!await store.TryStartRenderAsync(key, owner, options.RenderClaimLease, ct))
        {
            return; // another renderer, on this instance or another, holds the claim; its result wakes the waiters
        }

        await GenerateClaimedAsync(file, key, owner, ct);
    }

    /// <summary>Generates the preview whose render claim <paramref name="owner"/> holds, and ends the claim whatever happens.</summary>
    public async Task GenerateClaimedAsync(StoredFile file, PreviewKey key, Guid owner, CancellationToken ct)
    {
        try
        {
            // Rendered (or failed, and still remembered) since the request was made: a redelivered request,
            // or pre-generation after a user's request, must not render again.
            if (await store.LookupAsync(key, ct) is not (null, null))
            {
                await ReleaseAsync(key, owner, ct);
                return;
            }

            var outcome = await RenderAsync(file, key, ct);
            if (outcome.Html is not null || outcome.Failure is not null)
            {
                PreviewMetrics.Rendered(key.Provider, outcome.Elapsed, outcome.Html is not null);
            }

            if (outcome.Html is not null)
            {
                await StoreAsync(key, outcome.Html, outcome.Stylesheet, owner, outcome.Elapsed, ct);
            }
            else if (outcome.Failure is not null)
            {
                await FailAsync(key, outcome.Failure, outcome.TimedOut, owner, ct);
            }
            else
            {
                await ReleaseAsync(key, owner, ct);
            }
        }
        catch
        {
            await ReleaseAsync(key, owner, CancellationToken.None);
            throw;
        }
    }

    private async Task ReleaseAsync(PreviewKey key, Guid owner, CancellationToken ct)
    {
        await store.ReleaseAsync(key, owner, ct);
        notifications.Notify(key.Sha256);
    }

    private sealed record Outcome(string? Html, string? Stylesheet, string? Failure, bool TimedOut, TimeSpan Elapsed);

    private async Task<Outcome> RenderAsync(StoredFile file, PreviewKey key, CancellationToken ct)
    {
        var described = ProviderChoice.Describe(file);
        if (key.Provider == PreviewKey.BuiltinText)
        {
            await using var text = await files.OpenContentAsync(file.Sha256, ct);
            if (text is null)
            {
                return new Outcome(null, null, null, false, TimeSpan.Zero);
            }

            var started = Stopwatch.GetTimestamp();
            var html = await threads.Run(renders.IsFlooding(key.UserId), () => BuiltinTextPreview.RenderAsync(text, file.Size, options.TextPreviewBytes, ct));
            return new Outcome(html, null, null, false, Stopwatch.GetElapsedTime(started));
        }

        var lease = providers.Acquire(described);
        if (lease is null || PreviewKey.ProviderFor(lease.PluginId, lease.Version) != key.Provider)
        {
            // The plugin was deactivated or replaced since the request chose it: the waiters choose again.
            lease?.Dispose();
            return new Outcome(null, null, null, false, TimeSpan.Zero);
        }

        var content = await files.OpenContentAsync(file.Sha256, ct);
        if (content is null)
        {
            lease.Dispose();
            return new Outcome(null, null, null, false, TimeSpan.Zero);
        }

        var begun = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.RenderTimeout);
        // On the render threads: a provider that blocks before its first await must not hold this caller
        // past the limit, and a flooding user's renders get the CPU time others leave (issue 23).
        var render = threads.Run(renders.IsFlooding(key.UserId), () => lease.RenderAsync(described, content, limit.Token));
        try
        {
            var result = await render.WaitAsync(options.RenderTimeout, ct);
            return new Outcome(result.Html ?? "", result.Stylesheet, null, false, Stopwatch.GetElapsedTime(begun));
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && limit.IsCancellationRequested && !ct.IsCancellationRequested))
        {
            return new Outcome(null, null, $"{key.Provider} did not finish within {options.RenderTimeout.TotalSeconds:0.#} s.", true, Stopwatch.GetElapsedTime(begun));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return new Outcome(null, null, $"{key.Provider} failed: {Shorten(SafeText.Scrub(e.Message))}", false, Stopwatch.GetElapsedTime(begun));
        }
        finally
        {
            // The lease and the content stay with the render until it really ends: deactivation waits for
            // leases in flight, and a provider that ignored cancellation is still running (and keeps its slot: RenderTail).
            tail.Add(render.ContinueWith(
                _ =>
                {
                    lease.Dispose();
                    content.Dispose();
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
    }

    private async Task StoreAsync(PreviewKey key, string html, string? stylesheet, Guid owner, TimeSpan elapsed, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        // Size first, then sanitising within what is left of the render's time limit (issue 23): a
        // fragment too large or too complex fails at once instead of costing minutes outside any limit.
        if (html.Length + (stylesheet?.Length ?? 0) > options.MaxPreviewBytes)
        {
            await FailAsync(key, $"{key.Provider} produced a preview larger than {options.MaxPreviewBytes} bytes.", false, owner, ct);
            return;
        }

        byte[] fragment;
        try
        {
            var budget = options.RenderTimeout - elapsed;
            fragment = await threads.Run(renders.IsFlooding(key.UserId), () => Encoding.UTF8.GetBytes(sanitizer.Sanitize(html, budget < options.RenderTimeout / 10 ? options.RenderTimeout / 10 : budget)));
        }
        catch (SanitizeLimitException e)
        {
            await FailAsync(key, $"{key.Provider} produced a preview that was refused: {e.Reason}.", e.TimedOut, owner, ct);
            return;
        }

        var css = StylesheetSanitizer.Sanitize(stylesheet);
        var sanitised = Stopwatch.GetElapsedTime(started);
        if (fragment.Length + (css?.Length ?? 0) > options.MaxPreviewBytes)
        {
            await FailAsync(key, $"{key.Provider} produced a preview larger than {options.MaxPreviewBytes} bytes.", false, owner, ct);
            return;
        }

        var preview = new CachedPreview(fragment, css, ETagOf(fragment, css));
        // In memory before it is committed: the commit's notification may wake a waiter here before this
        // continues, and it should find the preview without a database round trip. A key's preview never
        // changes, so the copy is right even if storing fails.
        cache.Remember(key, preview);
        await store.SaveAsync(key, preview, owner, ct);
        notifications.Notify(key.Sha256);
        logger.LogDebug("Preview of {Sha256} with {Provider}: rendered in {RenderMs:0.0} ms, sanitised in {SanitiseMs:0.0} ms, stored after {TotalMs:0.0} ms",
            key.Sha256, key.Provider, elapsed.TotalMilliseconds, sanitised.TotalMilliseconds, (elapsed + Stopwatch.GetElapsedTime(started)).TotalMilliseconds);
        // Not awaited: this runs in a render slot, and a broker that does not answer must not hold it.
        announcements.Publish(new PreviewGenerated(key.Sha256, key.Provider, PreviewStore.SizeOf(preview), elapsed.TotalMilliseconds));

        var evicted = await store.EvictAsync(options.MaxCacheBytes, key, ct);
        if (evicted > 0)
        {
            logger.LogInformation("Evicted {Count} least recently used previews to stay within {MaxBytes} bytes", evicted, options.MaxCacheBytes);
        }

        // The last file with this content may have been deleted while it rendered: then the preview goes too.
        if (!await files.IsContentReferencedAsync(key.Sha256, ct))
        {
            await store.PurgeContentAsync(key.Sha256, ct);
        }
    }

    private async Task FailAsync(PreviewKey key, string reason, bool timedOut, Guid owner, CancellationToken ct)
    {
        logger.LogWarning("Preview of {Sha256} with {Provider} failed: {Reason}", key.Sha256, key.Provider, reason);
        await store.SaveFailureAsync(key, reason, timedOut, options.FailureTtl, owner, ct);
        notifications.Notify(key.Sha256);
        announcements.Publish(new PreviewFailed(key.Sha256, key.Provider, reason));
        if (key.PluginId is { } pluginId)
        {
            try
            {
                await providers.ReportFailureAsync(pluginId, key.Provider[(pluginId.Length + 1)..], reason, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reporting the failure of {Provider} to its audit log failed", key.Provider);
            }
        }
    }

    private static string ETagOf(byte[] fragment, string? stylesheet)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(fragment);
        hash.AppendData(Encoding.UTF8.GetBytes(stylesheet ?? ""));
        return $"\"{Convert.ToHexStringLower(hash.GetHashAndReset())[..32]}\"";
    }

    private static string Shorten(string message) => message.Length <= 300 ? message : message[..300] + "…";
}
