using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudService.BuildingBlocks.Files;

/// <summary>
/// Removes what a killed process left in a staging folder (half-received uploads, half-copied
/// packages): at start-up and then periodically. A file goes only when nobody has written it for
/// <c>CloudService:Staging:MinAge</c> and no process holds it open — every writer keeps its staged
/// file open exclusively (an advisory lock on Linux) while it writes, so another instance sharing the
/// root never loses an upload in progress to this sweep.
/// </summary>
public sealed class LeftoverSweep(string directory, TimeSpan minAge, TimeSpan interval, ILogger<LeftoverSweep> logger) : BackgroundService
{
    /// <summary>Sweeps <paramref name="directory"/> (given the services, once they exist) for as long as the host runs.</summary>
    public static IServiceCollection Add(IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string> directory) =>
        services.AddSingleton<IHostedService>(sp => new LeftoverSweep(
            directory(sp),
            configuration.GetValue("CloudService:Staging:MinAge", TimeSpan.FromMinutes(1)),
            configuration.GetValue("CloudService:Staging:SweepInterval", TimeSpan.FromMinutes(10)),
            sp.GetRequiredService<ILogger<LeftoverSweep>>()));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var removed = SweepOnce(DateTime.UtcNow - minAge);
                if (removed.Count > 0)
                {
                    logger.LogInformation("Removed {Count} leftover staged files ({Bytes} bytes) from {Directory}", removed.Count, removed.Bytes, directory);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Sweeping leftovers from {Directory} failed; the next sweep tries again", directory);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Removes the files untouched since <paramref name="untouchedSince"/> that nobody holds open.</summary>
    public (int Count, long Bytes) SweepOnce(DateTime untouchedSince)
    {
        if (!Directory.Exists(directory))
        {
            return (0, 0);
        }

        var count = 0;
        long bytes = 0;
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LastWriteTimeUtc > untouchedSince)
            {
                continue;
            }

            try
            {
                // Fails while a writer holds it: then it is not a leftover.
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    File.Delete(path);
                }

                count++;
                bytes += info.Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use, or already gone (another instance swept it first).
            }
        }

        return (count, bytes);
    }
}
