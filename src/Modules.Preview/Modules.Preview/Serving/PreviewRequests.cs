using System.Diagnostics;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Preview.Contracts;
using CloudService.Modules.Preview.Events;
using CloudService.Modules.Preview.Generation;
using CloudService.Modules.Storage.Contracts;

namespace CloudService.Modules.Preview.Serving;

/// <summary>What a request for a preview comes to.</summary>
internal abstract record PreviewOutcome
{
    public sealed record Ready(PreviewKey Key, CachedPreview Preview, bool Hit) : PreviewOutcome;

    public sealed record Pending : PreviewOutcome;

    public sealed record Failed(PreviewKey Key, CachedFailure Failure) : PreviewOutcome;

    public sealed record Unsupported(string ContentType, IReadOnlyList<string> SupportedTypes) : PreviewOutcome;

    public sealed record Missing : PreviewOutcome;

    public sealed record Unavailable(string Detail) : PreviewOutcome;

    /// <summary>The user already has as many renders waiting as they may (or the instance does): try again later.</summary>
    public sealed record Busy : PreviewOutcome;
}

/// <summary>
/// The request side: access check, provider choice, cache look-up; on a miss one request (cluster-wide)
/// gets the generation going — rendered on this instance when the user's share of the render slots allows,
/// else queued here in the user's turn (LocalRenders) — and every request waits for the result within its
/// budget. Nothing here waits for the broker: <see cref="PreviewRequested"/> is announced in the background.
/// </summary>
internal sealed class PreviewRequests(
    IStoredFiles files,
    ProviderChoice choice,
    PreviewCache cache,
    ReadyNotifications notifications,
    AccessCache access,
    LocalRenders local,
    PreviewOptions options,
    Announcements announcements)
{
    public async Task<PreviewOutcome> GetAsync(Guid fileId, Guid ownerId, TimeSpan wait, CancellationToken ct)
    {
        // Another user's file is reported exactly like an unknown one.
        var file = access.Find(fileId, ownerId);
        if (file is null)
        {
            file = await files.FindAsync(fileId, ownerId, ct);
            if (file is null)
            {
                return new PreviewOutcome.Missing();
            }

            access.Remember(file);
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        ReadyNotifications.Subscription? subscription = null;
        var first = true;
        var request = true;
        var lookAgain = false;
        try
        {
            while (true)
            {
                // Chosen again after every wake-up: the active plugins may have changed meanwhile.
                if (choice.Choose(file) is not { } key)
                {
                    return new PreviewOutcome.Unsupported(file.ContentType, choice.SupportedTypes);
                }

                var (preview, failure) = await cache.LookupAsync(key, ct);
                if (preview is not null)
                {
                    return new PreviewOutcome.Ready(key, preview, first);
                }

                if (failure is not null)
                {
                    return new PreviewOutcome.Failed(key, failure);
                }

                // After a wake-up without a result (the plugin was replaced, a claim expired) this asks again;
                // while someone holds the claim it is one cheap statement that changes nothing.
                if (request)
                {
                    // Subscribed first: the result of a render started below cannot be missed.
                    if (subscription is null)
                    {
                        subscription = notifications.Subscribe(file.Sha256);
                        lookAgain = true;
                    }

                    switch (await RequestAsync(file, key, ct))
                    {
                        case Requested.Busy:
                            return new PreviewOutcome.Busy();
                        case Requested.RenderingHere:
                            lookAgain = false;
                            break;
                    }
                }

                first = false;
                request = false;
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    return new PreviewOutcome.Pending();
                }

                if (lookAgain)
                {
                    // Someone else generates it: look once more now that this request listens, so a result
                    // committed between the first look and the subscription is not missed.
                    lookAgain = false;
                    continue;
                }

                await subscription!.WaitAsync(remaining < options.WaitPollInterval ? remaining : options.WaitPollInterval, ct);
                request = true;
            }
        }
        finally
        {
            subscription?.Dispose();
        }
    }

    private enum Requested { Elsewhere, RenderingHere, Busy }

    /// <summary>
    /// Renders here when the user's share of the slots allows it and nobody holds the claim; else queues
    /// it here, in the user's turn (LocalRenders), unless someone (any instance) already has. Busy when
    /// the queue is full.
    /// </summary>
    private async Task<Requested> RequestAsync(StoredFile file, PreviewKey key, CancellationToken ct)
    {
        switch (await local.TryStartAsync(file, key, ct))
        {
            case LocalStart.Started:
                // Every miss is on the bus, as the module's contract says; a consumer that gets this one
                // finds the claim held (or the preview stored) and leaves it. Not awaited: the render
                // here must not wait for the broker, nor fail when it is down.
                announcements.Publish(new PreviewRequested(file.Id, key.Sha256, key.Provider, Priority: 0));
                return Requested.RenderingHere;
            case LocalStart.Queued:
                // Not on the bus: a consumer elsewhere would render it outside its user's turn (issue 23).
                return Requested.RenderingHere;
            case LocalStart.Busy:
                return Requested.Busy;
            default:
                return Requested.Elsewhere;
        }
    }
}
