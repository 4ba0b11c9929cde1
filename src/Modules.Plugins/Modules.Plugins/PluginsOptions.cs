using System.ComponentModel.DataAnnotations;
using CloudService.Modules.Plugins.Packages;
using Microsoft.Extensions.Configuration;

namespace CloudService.Modules.Plugins;

internal sealed class PluginsOptions : IValidatableObject
{
    /// <summary>Where packages are extracted: <c>&lt;Root&gt;/&lt;id&gt;/&lt;version&gt;/</c>. Local to each instance.</summary>
    public string Root { get; set; } = "";

    public PackageLimits Limits { get; set; } = new();

    /// <summary>Limits of calls to plugins' HTTP endpoints (CloudService:Plugins:Endpoints).</summary>
    public EndpointLimits Endpoints { get; set; } = new();

    /// <summary>How often each instance re-reads the stored activation state, in case a broadcast was missed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00", ErrorMessage = "CloudService:Plugins:ReconcileInterval must lie between {1} and {2}.")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a plugin's constructor and <c>Register</c> (and, on deactivation, its Dispose) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "CloudService:Plugins:ActivationTimeout must lie between {1} and {2}.")]
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long deactivation waits for calls in flight (renders) before unloading anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "CloudService:Plugins:DrainTimeout must lie between {1} and {2}.")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many GC rounds deactivation spends checking that an unloaded plugin's context was collected.</summary>
    [Range(1, 1000, ErrorMessage = "CloudService:Plugins:MaxGcRounds must lie between {1} and {2}.")]
    public int MaxGcRounds { get; set; } = 10;

    /// <summary>
    /// How long a validation that failed for a passing reason (full disk, database gone) waits before
    /// each further try; once they are used up, a full disk fails the version (upload it again to
    /// retry) and a database outage is left to the job's own retries.
    /// </summary>
    public List<TimeSpan> ValidationRetryDelays { get; set; } = [];

    /// <summary>This instance's name in the audit log and in its fan-out queue.</summary>
    public string InstanceName { get; set; } = "";

    /// <summary>
    /// <c>&lt;Root&gt;/&lt;id&gt;</c>. Every path below the root is built here, and only from a well-formed id:
    /// ids were validated at upload, but a route or a message must never be able to name "..".
    /// </summary>
    public string PluginDirectory(string pluginId) =>
        ManifestReader.IsPluginId(pluginId) ? Path.Combine(Root, pluginId) : throw new ArgumentException($"'{pluginId}' is not a plugin id.", nameof(pluginId));

    public string VersionDirectory(string pluginId, string version) =>
        ManifestReader.IsPluginVersion(version) ? Path.Combine(PluginDirectory(pluginId), version) : throw new ArgumentException($"'{version}' is not a plugin version.", nameof(version));

    /// <summary>The package limits are a nested object: data annotations alone would not look into it.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Limits, new ValidationContext(Limits), results, validateAllProperties: true);
        Validator.TryValidateObject(Endpoints, new ValidationContext(Endpoints), results, validateAllProperties: true);
        return results;
    }

    public static PluginsOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("CloudService:Plugins").Get<PluginsOptions>() ?? new PluginsOptions();
        var dataRoot = configuration["CloudService:DataRoot"] is { Length: > 0 } d ? d : ".data";
        if (string.IsNullOrEmpty(options.Root))
        {
            options.Root = Path.Combine(dataRoot, "plugins");
        }

        options.Root = Path.GetFullPath(options.Root);
        if (options.ValidationRetryDelays.Count == 0)
        {
            options.ValidationRetryDelays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];
        }

        var name = configuration["CloudService:InstanceName"];
        options.InstanceName = $"{(string.IsNullOrEmpty(name) ? Environment.MachineName.ToLowerInvariant() : name)}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        return options;
    }
}

/// <summary>What a call to a plugin's endpoint may take: body sizes and time.</summary>
internal sealed class EndpointLimits
{
    [Range(0, 64 * 1024 * 1024, ErrorMessage = "CloudService:Plugins:Endpoints:MaxRequestBytes must lie between 0 and 64 MB.")]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    [Range(0, 64 * 1024 * 1024, ErrorMessage = "CloudService:Plugins:Endpoints:MaxResponseBytes must lie between 0 and 64 MB.")]
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    [Range(typeof(TimeSpan), "00:00:00.01", "00:10:00", ErrorMessage = "CloudService:Plugins:Endpoints:Timeout must lie between {1} and {2}.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
