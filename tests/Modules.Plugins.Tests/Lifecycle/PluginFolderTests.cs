using CloudService.Modules.Plugins;

namespace CloudService.Tests.Plugins.Lifecycle;

[Trait("Category", "Unit")]
public sealed class PluginFolderTests
{
    private static readonly PluginsOptions Options = new() { Root = Path.Combine(Path.GetTempPath(), "plugins-root") };

    [Theory]
    [InlineData("..", "1.0.0")]
    [InlineData("../etc", "1.0.0")]
    [InlineData("Markdown", "1.0.0")]
    [InlineData("", "1.0.0")]
    [InlineData("ok", "..")]
    [InlineData("ok", "1.0.0/../../x")]
    [InlineData("ok", "latest")]
    public void No_folder_is_named_after_anything_but_a_plugin_id_and_a_semver_version(string pluginId, string version) =>
        Assert.Throws<ArgumentException>(() => Options.VersionDirectory(pluginId, version));

    [Fact]
    public void A_version_folder_lies_below_the_plugins_root()
    {
        Assert.Equal(Path.Combine(Options.Root, "markdown-preview", "1.2.3-beta.1"), Options.VersionDirectory("markdown-preview", "1.2.3-beta.1"));
        Assert.Throws<ArgumentException>(() => Options.PluginDirectory(".."));
    }
}
