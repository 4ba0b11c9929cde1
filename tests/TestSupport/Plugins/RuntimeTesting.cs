using System.Runtime.Loader;
using System.Text;
using CloudService.Modules.Plugins;
using CloudService.Modules.Plugins.Contracts;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Tests.Plugins.Runtime;

/// <summary>One environment and one app with short plugin limits (activation 1 s, 4 GC rounds), so the slow and leaky cases are quick.</summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["CloudService:Plugins:ActivationTimeout"] = "00:00:01",
        ["CloudService:Plugins:MaxGcRounds"] = "4",
    };

    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, "a", Settings);
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

/// <summary>Looks at an app instance's plugin runtime from the inside, the way the Preview module does.</summary>
internal static class Previews
{
    public static readonly PreviewFile Readme = new("readme.md", "text/markdown", 100);

    public static IPreviewProviders Providers(this AppInstance app) => app.Services.GetRequiredService<IPreviewProviders>();

    /// <summary>Renders <paramref name="text"/> with the provider the app would lease for the file, or null when none accepts it.</summary>
    public static async Task<PreviewResult?> RenderAsync(this AppInstance app, PreviewFile file, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        file = file with { Size = bytes.Length };
        using var lease = app.Providers().Acquire(file);
        if (lease is null)
        {
            return null;
        }

        using var content = new MemoryStream(bytes);
        return await lease.RenderAsync(file, content, CancellationToken.None);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false when it did not within <paramref name="timeout"/>.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout) =>
        EventuallyAsync(() => Task.FromResult(condition()), timeout);

    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>
    /// The load contexts of <paramref name="pluginId"/> that this app instance created and whose
    /// assemblies are still in memory after a few GCs (AssemblyLoadContext.All forgets a context as
    /// soon as its unloading starts, so the loaded assemblies are asked instead).
    /// </summary>
    public static List<string> LiveContexts(this AppInstance app, string pluginId)
    {
        var instance = app.Services.GetRequiredService<PluginsOptions>().InstanceName;
        List<string> live = [];
        for (var round = 0; round < 3; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            live = [.. AppDomain.CurrentDomain.GetAssemblies()
                .Select(a => AssemblyLoadContext.GetLoadContext(a)?.Name ?? "")
                .Where(n => n.StartsWith($"plugin:{pluginId}@", StringComparison.Ordinal) && n.EndsWith($"({instance})", StringComparison.Ordinal))
                .Distinct()];
            if (live.Count == 0)
            {
                break;
            }
        }

        return live;
    }
}

/// <summary>The real Markdown plugin package, as scripts/pack-plugins.sh builds it (test.sh runs it before the tests).</summary>
internal static class MarkdownPackage
{
    public const string Id = "markdown-preview";

    /// <summary>The version plugins/MarkdownPreview/plugin.json declares.</summary>
    public static string Version { get; } = System.Text.Json.JsonDocument.Parse(
        File.ReadAllText(Path.Combine(RepositoryRoot.Path, "plugins", "MarkdownPreview", "plugin.json"))).RootElement.GetProperty("version").GetString()!;

    public static byte[] Bytes { get; } = Load();

    private static byte[] Load()
    {
        var path = Path.Combine(RepositoryRoot.Path, "artifacts", "plugins", $"{Id}-{Version}.zip");
        return File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new InvalidOperationException($"{path} does not exist: run scripts/pack-plugins.sh (./test.sh does).");
    }
}
