using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Plugins.Settings;
using MassTransit;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Every instance hears every activation change (its own temporary queue, see the definition) and
/// converges to the stored state; the message only says which plugin to look at.
/// </summary>
internal sealed class PluginStateChangedConsumer(PluginConvergence convergence, LiveSettings settings) :
    IConsumer<PluginActivated>, IConsumer<PluginDeactivated>, IConsumer<PluginUninstalled>, IConsumer<PluginSettingsChanged>
{
    public Task Consume(ConsumeContext<PluginSettingsChanged> context) => settings.RefreshAsync(context.Message.PluginId, context.CancellationToken);

    public Task Consume(ConsumeContext<PluginActivated> context) => convergence.ConvergeAsync(context.Message.PluginId, context.CancellationToken);

    public Task Consume(ConsumeContext<PluginDeactivated> context) => convergence.ConvergeAsync(context.Message.PluginId, context.CancellationToken);

    public Task Consume(ConsumeContext<PluginUninstalled> context) => convergence.ConvergeAsync(context.Message.PluginId, context.CancellationToken);
}

internal sealed class PluginStateChangedConsumerDefinition : ConsumerDefinition<PluginStateChangedConsumer>
{
    public PluginStateChangedConsumerDefinition(PluginsOptions options)
    {
        // A fan-out queue per instance (FACTS.md): non-durable, removed soon after the instance goes.
        Endpoint(e =>
        {
            e.Name = "plugin-state-sync";
            e.InstanceId = options.InstanceName;
            e.Temporary = true;
        });
    }
}
