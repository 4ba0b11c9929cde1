using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace CloudService.Modules.Preview;

/// <summary><c>CloudService:Preview</c> settings (README lists them).</summary>
internal sealed class PreviewOptions
{
    /// <summary>Upper bound of the shared PostgreSQL cache; least recently used previews go first.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "CloudService:Preview:MaxCacheBytes must be a positive number of bytes.")]
    public long MaxCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Each instance keeps the hottest previews in memory too (they never change under their key).</summary>
    [Range(0, long.MaxValue, ErrorMessage = "CloudService:Preview:MemoryCacheBytes must not be negative.")]
    public long MemoryCacheBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>A provider's time limit for one render.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "CloudService:Preview:RenderTimeout must lie between {1} and {2}.")]
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request waits for a missing preview when it does not say (<c>?waitMs=</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "CloudService:Preview:DefaultWait must lie between {1} and {2}.")]
    public TimeSpan DefaultWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the preview frame keeps its response open for a preview still being generated.</summary>
    public TimeSpan FrameWait => RenderTimeout + TimeSpan.FromSeconds(5);

    /// <summary>The longest wait a request may ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "CloudService:Preview:MaxWait must lie between {1} and {2}.")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a failed render is remembered, so a broken file is not re-rendered on every view.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "CloudService:Preview:FailureTtl must lie between {1} and {2}.")]
    public TimeSpan FailureTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether previews are rendered right after upload when an active plugin provider accepts the file.</summary>
    public bool PregenerateOnUpload { get; set; } = true;

    /// <summary>Renders running at once per instance: user requests, requests over the bus and pre-generation share these slots.</summary>
    [Range(1, 1024, ErrorMessage = "CloudService:Preview:RenderConcurrency must lie between 1 and 1024.")]
    public int RenderConcurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The most of those slots one user's renders hold at once (issue 23: one user cannot slow everyone); 0 = half of them.</summary>
    public int RenderSlotsPerUser { get; set; }

    /// <summary>
    /// The nice value (0 normal … 19 lowest) of the threads that render for a user who has more renders
    /// waiting than their share of slots: below request handling, other users' renders, the database and
    /// the broker, so a flood uses the CPU time others leave (issue 23). 0 runs them at the normal priority.
    /// </summary>
    [Range(0, 19, ErrorMessage = "CloudService:Preview:RenderNice must lie between 0 and 19.")]
    public int RenderNice { get; set; } = 10;

    /// <summary>Renders one user may have waiting for a slot per instance; a request past it is refused (503 with Retry-After).</summary>
    public int MaxQueuedRendersPerUser { get; set; } = 8;

    /// <summary>Renders all users together may have waiting per instance.</summary>
    public int MaxQueuedRenders { get; set; } = 256;

    /// <summary>
    /// Whether previews may show images from other sites. Off by default: a remote image tells its
    /// author who opened the file and when (issue 23), so the sanitiser drops remote image sources
    /// and the frame's policy loads no images.
    /// </summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>The built-in text preview shows at most this many bytes of the file.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "CloudService:Preview:TextPreviewBytes must be a positive number of bytes.")]
    public int TextPreviewBytes { get; set; } = 64 * 1024;

    /// <summary>A sanitised preview larger than this is refused (a failure) rather than cached.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "CloudService:Preview:MaxPreviewBytes must be a positive number of bytes.")]
    public int MaxPreviewBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>A queued generation whose message was lost is requested again after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00", ErrorMessage = "CloudService:Preview:QueuedClaimLease must lie between {1} and {2}.")]
    public TimeSpan QueuedClaimLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A renderer that crashed mid-render gives its claim up after this long.</summary>
    public TimeSpan RenderClaimLease => RenderTimeout + TimeSpan.FromSeconds(30);

    /// <summary>How long an instance trusts a remembered "this user may see this file" without asking Storage (0 = always ask).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "CloudService:Preview:AccessCacheTtl must lie between {1} and {2}.")]
    public TimeSpan AccessCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This instance's name in its fan-out queue (unique per process).</summary>
    public string InstanceName { get; set; } = "";

    /// <summary>The most PostgreSQL connections the module's pool opens (one of them listens for finished previews).</summary>
    [Range(2, 1000, ErrorMessage = "CloudService:Preview:DatabaseConnections must lie between 2 and 1000 (one connection listens).")]
    public int DatabaseConnections { get; set; } = 10;

    /// <summary>How often waiting requests look at the cache even without a notification.</summary>
    [Range(typeof(TimeSpan), "00:00:00.01", "00:10:00", ErrorMessage = "CloudService:Preview:WaitPollInterval must lie between {1} and {2}.")]
    public TimeSpan WaitPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A cache entry's last-access time is written at most this often per instance (coarse LRU).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "CloudService:Preview:TouchInterval must lie between {1} and {2}.")]
    public TimeSpan TouchInterval { get; set; } = TimeSpan.FromMinutes(1);

    public static PreviewOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("CloudService:Preview").Get<PreviewOptions>() ?? new PreviewOptions();
        var name = configuration["CloudService:InstanceName"];
        if (options.RenderSlotsPerUser <= 0)
        {
            options.RenderSlotsPerUser = Math.Max(1, options.RenderConcurrency / 2);
        }

        options.InstanceName = $"{(string.IsNullOrEmpty(name) ? Environment.MachineName.ToLowerInvariant() : name)}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        return options;
    }
}
