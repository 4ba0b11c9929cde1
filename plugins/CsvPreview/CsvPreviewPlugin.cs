using CloudService.Plugins.Sdk;

namespace CloudService.CsvPreview;

/// <summary>The plugin's entry point: registers the CSV/TSV table preview.</summary>
public sealed class CsvPreviewPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Hooks.Register<IFilePreviewProvider>(new CsvPreviewProvider(new CsvTableReader(CsvLimits.Default)));
        context.Log.Info($"CSV preview {context.Version} ready (Sep {typeof(nietras.SeparatedValues.Sep).Assembly.GetName().Version}).");
    }
}
