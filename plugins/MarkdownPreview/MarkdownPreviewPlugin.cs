using CloudService.Plugins.Sdk;

namespace CloudService.MarkdownPreview;

/// <summary>The plugin's entry point: registers the Markdown preview provider.</summary>
public sealed class MarkdownPreviewPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Hooks.Register<IFilePreviewProvider>(new MarkdownPreviewProvider(new MarkdownRenderer()));
        context.Log.Info($"Markdown preview {context.Version} ready (Markdig {typeof(Markdig.Markdown).Assembly.GetName().Version}).");
    }
}
