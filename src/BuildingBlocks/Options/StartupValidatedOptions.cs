using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudService.BuildingBlocks.Options;

public static class StartupValidatedOptions
{
    /// <summary>
    /// Registers a module's options, read once from configuration, as a singleton and checks their
    /// data annotations (and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>)
    /// when the host starts: a bad setting stops the start with a message naming it, instead of
    /// failing on the first request that needs it.
    /// </summary>
    public static OptionsBuilder<T> AddStartupValidatedOptions<T>(this IServiceCollection services, T options) where T : class
    {
        services.AddSingleton(options);
        services.AddSingleton<IOptionsFactory<T>>(sp => new ReadOnceOptionsFactory<T>(
            options, sp.GetServices<IConfigureOptions<T>>(), sp.GetServices<IPostConfigureOptions<T>>(), sp.GetServices<IValidateOptions<T>>()));
        return services.AddOptions<T>().ValidateDataAnnotations().ValidateOnStart();
    }

    /// <summary>The options object the module already holds is the one validated (not a fresh copy).</summary>
    private sealed class ReadOnceOptionsFactory<T>(
        T instance, IEnumerable<IConfigureOptions<T>> setups, IEnumerable<IPostConfigureOptions<T>> postConfigures, IEnumerable<IValidateOptions<T>> validations)
        : OptionsFactory<T>(setups, postConfigures, validations) where T : class
    {
        protected override T CreateInstance(string name) => instance;
    }
}
