using System.Text;
using CloudService.Plugins.Sdk;

namespace CloudServicePlugin.Tests;

public sealed class CloudServicePluginProviderTests
{
    private readonly CloudServicePluginProvider provider = new();

    [Fact]
    public void It_previews_its_own_mime_type()
    {
        Assert.True(provider.CanPreview(new PreviewFile("sample", "text/x-cloudservice-sample", 10)));
        Assert.True(provider.CanPreview(new PreviewFile("sample", "text/x-cloudservice-sample; charset=utf-8", 10)));
        Assert.False(provider.CanPreview(new PreviewFile("sample", "image/png", 10)));
    }

    [Fact]
    public void It_previews_its_extension_when_stored_as_plain_text_and_nothing_else()
    {
        Assert.True(provider.CanPreview(new PreviewFile("greeting.cloudservice-sample-ext", "text/plain", 10)));
        Assert.True(provider.CanPreview(new PreviewFile("greeting.cloudservice-sample-ext".ToUpperInvariant(), "application/octet-stream", 10)));
        Assert.False(provider.CanPreview(new PreviewFile("notes.txt", "text/plain", 10)));
        Assert.False(provider.CanPreview(new PreviewFile("photo.cloudservice-sample-ext", "image/png", 10)));
    }

    [Fact]
    public async Task It_renders_each_line_html_encoded()
    {
        var bytes = Encoding.UTF8.GetBytes("<b>first</b> & more\r\nsecond");
        using var content = new MemoryStream(bytes);

        var result = await provider.RenderAsync(new PreviewFile("sample", "text/x-cloudservice-sample", bytes.Length), content, CancellationToken.None);

        Assert.Equal("<ol class=\"lines\">\n<li>&lt;b&gt;first&lt;/b&gt; &amp; more</li>\n<li>second</li>\n</ol>\n", result.Html);
        Assert.NotNull(result.Stylesheet);
    }

    [Fact]
    public async Task It_reads_only_the_beginning_of_a_big_file()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('x', CloudServicePluginProvider.MaxBytes * 2));
        using var content = new MemoryStream(bytes);

        var result = await provider.RenderAsync(new PreviewFile("big", "text/x-cloudservice-sample", bytes.Length), content, CancellationToken.None);

        Assert.Equal(CloudServicePluginProvider.MaxBytes, content.Position);
        Assert.Contains("Only the beginning of the file is shown.", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plugin_registers_the_provider()
    {
        var context = new RecordingContext();

        new CloudServicePluginPlugin().Register(context);

        Assert.IsType<CloudServicePluginProvider>(Assert.Single(context.Hooks.Registered));
    }

    /// <summary>What the server hands a plugin on activation, recording what the plugin registers.</summary>
    private sealed class RecordingContext : IPluginContext, IPluginLog
    {
        public string PluginId => "cloudservice-plugin-id";
        public string Version => "1.0.0";
        public string PluginDirectory => AppContext.BaseDirectory;
        public RecordingRegistrar Hooks { get; } = new();
        IHookRegistrar IPluginContext.Hooks => Hooks;
        public IPluginLog Log => this;

        public void Info(string message)
        {
        }

        public void Warn(string message)
        {
        }

        public void Error(string message, Exception? exception = null)
        {
        }
    }

    private sealed class RecordingRegistrar : IHookRegistrar
    {
        public List<IPluginHook> Registered { get; } = [];

        public void Register<THook>(THook hook) where THook : class, IPluginHook => Registered.Add(hook);
    }
}
