using Marten;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Appends events that record what happened (an unload, a render failure, an instance that could not
/// follow) rather than decide anything. They carry no expected version, so they never make a command
/// lose its race; but Marten still refuses two appends to one stream at the same moment (two
/// instances unloading the same plugin do exactly that), so a refused append is simply retried.
/// </summary>
internal static class InformationalEvents
{
    private const int Attempts = 10;

    public static async Task AppendAsync(IDocumentStore store, string pluginId, IPluginStreamEvent e, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                session.Events.Append(pluginId, e);
                await session.SaveChangesAsync(ct);
                return;
            }
            catch (Exception error) when (attempt < Attempts && Concurrency.IsConflict(error))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * attempt), ct);
            }
        }
    }
}
