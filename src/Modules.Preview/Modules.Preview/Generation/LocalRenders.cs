using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Preview.Generation;

internal enum LocalStart
{
    /// <summary>This instance took the render claim and renders now.</summary>
    Started,

    /// <summary>Another renderer (or a queued request) holds the claim; its result wakes the waiters.</summary>
    ClaimedElsewhere,

    /// <summary>Every render slot of this instance is busy: the request goes to the bus, for any instance.</summary>
    NoSlot,
}

/// <summary>
/// Renders a missing preview on the instance whose request found it missing while one of its
/// <see cref="PreviewOptions.RenderConcurrency"/> render slots is free: no round trip through the
/// broker and no second look-up of the file. Past the slots the request goes to the bus as before, so
/// a busy instance still shares the work. The render runs apart from the request (its own scope, the
/// host's lifetime): a request that stops waiting (202) or goes away leaves it to finish for everyone.
/// Renders for requests from the bus take the same slots.
/// </summary>
internal sealed class LocalRenders(IServiceScopeFactory scopes, PreviewStore store, PreviewOptions options, IHostApplicationLifetime lifetime, ILogger<LocalRenders> logger)
    : IDisposable
{
    private readonly SemaphoreSlim slots = new(Math.Max(1, options.RenderConcurrency));

    public async Task<LocalStart> TryStartAsync(StoredFile file, PreviewKey key, CancellationToken ct)
    {
        if (!slots.Wait(0, CancellationToken.None))
        {
            return LocalStart.NoSlot;
        }

        var owner = Guid.NewGuid();
        try
        {
            if (!await store.TryStartRenderAsync(key, owner, options.RenderClaimLease, ct))
            {
                slots.Release();
                return LocalStart.ClaimedElsewhere;
            }
        }
        catch
        {
            slots.Release();
            throw;
        }

        _ = Task.Run(() => RenderAsync(file, key, owner), CancellationToken.None);
        return LocalStart.Started;
    }

    /// <summary>Holds a render slot while <paramref name="render"/> runs (renders requested over the bus).</summary>
    public async Task RunInSlotAsync(Func<Task> render, CancellationToken ct)
    {
        await slots.WaitAsync(ct);
        try
        {
            await render();
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// Renders when a slot frees up, in the background: the way a request goes while the broker is down
    /// and every slot is busy. The generator takes the (queued) claim itself, or leaves it to whoever has it.
    /// </summary>
    public void QueueHere(StoredFile file, PreviewKey key)
    {
        var stopping = lifetime.ApplicationStopping;
        _ = Task.Run(async () =>
        {
            try
            {
                await RunInSlotAsync(
                    async () =>
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        await scope.ServiceProvider.GetRequiredService<PreviewGenerator>().GenerateAsync(file.Id, key, stopping);
                    },
                    stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(e, "Rendering the preview of {Sha256} with {Provider} on this instance failed", key.Sha256, key.Provider);
            }
            catch (OperationCanceledException)
            {
                // The host is stopping; the queued claim expires by itself.
            }
        }, CancellationToken.None);
    }

    private async Task RenderAsync(StoredFile file, PreviewKey key, Guid owner)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PreviewGenerator>().GenerateClaimedAsync(file, key, owner, stopping);
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // The claim was given up and the waiters woken; they ask again within their budget.
            logger.LogWarning(e, "Rendering the preview of {Sha256} with {Provider} on this instance failed", key.Sha256, key.Provider);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping; the claim was given up.
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();
}
