using CloudService.Modules.Plugins.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Modules.Plugins.Hosting;

internal static class RuntimeRegistration
{
    public static IServiceCollection AddPluginRuntime(this IServiceCollection services)
    {
        services.AddSingleton<HookRegistry>();
        services.AddSingleton<PluginRuntime>();
        services.AddSingleton<PreviewProviders>();
        services.AddSingleton<IPreviewProviders>(sp => sp.GetRequiredService<PreviewProviders>());
        return services;
    }
}
