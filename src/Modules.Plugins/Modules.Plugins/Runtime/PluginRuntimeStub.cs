// TEMPORARY: replaced by the runtime branch on merge.
using CloudService.Modules.Plugins.Contracts;
using CloudService.Plugins.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Modules.Plugins.Runtime;

internal sealed record ActivationResult(bool Succeeded, string? Error, TimeSpan Elapsed, DeactivationResult? ReplacedVersionUnload);
internal sealed record DeactivationResult(string PluginId, string Version, bool Collected, int GcRounds, TimeSpan Elapsed, bool InFlightDrained);
internal sealed record LoadedPluginInfo(string PluginId, string Version, DateTimeOffset LoadedAt);

internal sealed class PluginRuntime
{
    private readonly Dictionary<string, string> loaded = [];
    public Task<ActivationResult> ActivateAsync(string pluginId, string version, string directory, string entryAssembly, CancellationToken ct)
    {
        lock (loaded) loaded[pluginId] = version;
        return Task.FromResult(new ActivationResult(true, null, TimeSpan.Zero, null));
    }

    public Task<DeactivationResult> DeactivateAsync(string pluginId, CancellationToken ct)
    {
        lock (loaded) { loaded.Remove(pluginId, out var v); return Task.FromResult(new DeactivationResult(pluginId, v ?? "", true, 1, TimeSpan.Zero, true)); }
    }

    public IReadOnlyCollection<LoadedPluginInfo> Loaded { get { lock (loaded) return loaded.Select(kv => new LoadedPluginInfo(kv.Key, kv.Value, DateTimeOffset.UtcNow)).ToList(); } }
    public string? LoadedVersion(string pluginId) { lock (loaded) return loaded.GetValueOrDefault(pluginId); }
}

internal sealed class StubProviders : IPreviewProviders
{
    public IReadOnlyCollection<string> SupportedMimeTypes => [];
    public PreviewProviderLease? Acquire(PreviewFile file) => null;
    public PreviewProviderInfo? Find(PreviewFile file) => null;
    public Func<string, string, string, CancellationToken, Task> OnFailure { get; set; } = (_, _, _, _) => Task.CompletedTask;
    public Task ReportFailureAsync(string pluginId, string version, string reason, CancellationToken cancellationToken) => OnFailure(pluginId, version, reason, cancellationToken);
}

internal static class RuntimeRegistration
{
    public static IServiceCollection AddPluginRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PluginRuntime>();
        services.AddSingleton<IPreviewProviders, StubProviders>();
        return services;
    }
}
