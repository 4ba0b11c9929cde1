using System.Collections.Immutable;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CloudService.Tests.Plugins;

/// <summary>
/// Builds plugin assemblies and packages in the tests, from C# source compiled with Roslyn against
/// the host's Plugins.Sdk: valid plugins, broken ones and hostile ones, without checked-in binaries.
/// </summary>
internal static class TestPlugins
{
    private const string EchoRender =
        "return new PreviewResult($\"<p class=\\\"test-plugin\\\">v{version}: {System.Net.WebUtility.HtmlEncode(text)}</p>\");";

    /// <summary>A preview provider for <c>text/x-test</c> (or <c>*.test</c>) that wraps the content in a paragraph.</summary>
    public static string PreviewPluginSource { get; } =
        ProviderSource("file.ContentType == \"text/x-test\" || file.Extension == \".test\"", EchoRender);

    /// <summary><see cref="PreviewPluginSource"/> for a content type of its own (so tests sharing an app do not see each other's providers).</summary>
    public static string PreviewPluginSourceFor(string contentType) =>
        PreviewPluginSource.Replace("\"text/x-test\"", $"\"{contentType}\"", StringComparison.Ordinal)
            .Replace(" || file.Extension == \".test\"", "", StringComparison.Ordinal);

    /// <summary>A plugin whose <c>Register</c> throws.</summary>
    public const string ThrowingPluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context) => throw new System.InvalidOperationException("boom: the plugin refused to start");
        }
        """;

    /// <summary>A plugin whose <c>Register</c> takes <c>5 s</c>, longer than the tests' activation time limit.</summary>
    public const string SlowPluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context) => System.Threading.Thread.Sleep(5000);
        }
        """;

    /// <summary>A plugin without a public parameterless constructor.</summary>
    public const string NoParameterlessConstructorSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin(string name) : IPlugin
        {
            public void Register(IPluginContext context) => context.Log.Info(name);
        }
        """;

    /// <summary>A plugin that registers a hook kind of its own instead of an SDK hook interface.</summary>
    public const string OwnHookKindSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public interface IOwnHook : IPluginHook;

        public sealed class OwnHook : IOwnHook;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context) => context.Hooks.Register<IOwnHook>(new OwnHook());
        }
        """;

    /// <summary>A plugin that hands the host a reference it never takes back (a handler on a process-wide event): it cannot be unloaded.</summary>
    public const string LeakyPluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context) => System.AppDomain.CurrentDomain.ProcessExit += OnExit;

            private void OnExit(object? sender, System.EventArgs e)
            {
            }
        }
        """;

    /// <summary>A private dependency (<c>Helper.dll</c>) with the type <see cref="DependentPluginSource"/> uses.</summary>
    public const string HelperSource = """
        namespace Helper;

        public static class Widget
        {
            public static string Describe(string version) => "helped " + version;
        }
        """;

    /// <summary>The same assembly name as <see cref="HelperSource"/>, without the type: loading the plugin against it is a type load error.</summary>
    public const string HelperWithoutWidgetSource = """
        namespace Helper;

        public static class Other
        {
        }
        """;

    /// <summary><see cref="PreviewPluginSource"/> whose Register uses <c>Helper.Widget</c> from its private dependency.</summary>
    public static string DependentPluginSource { get; } = PreviewPluginSource.Replace(
        "new Provider(context.Version)", "new Provider(Helper.Widget.Describe(context.Version))", StringComparison.Ordinal);

    /// <summary>
    /// A package whose entry assembly is compiled from <see cref="DependentPluginSource"/> against
    /// <see cref="HelperSource"/>, shipping <c>Helper.dll</c> built from <paramref name="shippedHelperSource"/>
    /// (null: not shipped at all, a missing dependency).
    /// </summary>
    public static byte[] PackageWithDependency(string id, string version, string? shippedHelperSource)
    {
        var helper = Compile("Helper", HelperSource);
        (string Name, byte[] Content)[] shipped = shippedHelperSource is null ? [] : [("Helper.dll", Compile("Helper", shippedHelperSource))];
        return Zip([
            ($"{id}/plugin.json", Manifest(id, version)),
            ($"{id}/TestPlugin.dll", Compile("TestPlugin", DependentPluginSource, helper)),
            .. shipped.Select(e => ($"{id}/{e.Name}", e.Content)),
        ]);
    }

    /// <summary>A public class, but no IPlugin anywhere.</summary>
    public const string NoPluginSource = """
        namespace TestPlugin;

        public sealed class Helper
        {
            public string Name => "not a plugin";
        }
        """;

    /// <summary>IPlugin implemented only by an abstract class, an internal class and a generic class: none can be created by the host.</summary>
    public const string UnusablePluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public abstract class AbstractPlugin : IPlugin
        {
            public abstract void Register(IPluginContext context);
        }

        internal sealed class HiddenPlugin : IPlugin
        {
            public void Register(IPluginContext context) { }
        }

        public sealed class GenericPlugin<T> : IPlugin
        {
            public void Register(IPluginContext context) { }
        }
        """;

    /// <summary>The plugin class implements IPlugin through an abstract base class.</summary>
    public const string DerivedPluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public abstract class PluginBase : IPlugin
        {
            public abstract void Register(IPluginContext context);
        }

        public sealed class Plugin : PluginBase
        {
            public override void Register(IPluginContext context) { }
        }
        """;

    /// <summary>A plugin that declares its own look-alike <c>CloudService.Plugins.Sdk.IPlugin</c> instead of using the host's.</summary>
    public const string LookAlikePluginSource = """
        namespace CloudService.Plugins.Sdk
        {
            public interface IPlugin { void Register(object context); }
        }

        namespace TestPlugin
        {
            public sealed class Plugin : CloudService.Plugins.Sdk.IPlugin
            {
                public void Register(object context) { }
            }
        }
        """;

    /// <summary>IPlugin implemented, but the class has no public parameterless constructor.</summary>
    public const string NoDefaultConstructorPluginSource = """
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin(string name) : IPlugin
        {
            public string Name { get; } = name;
            public void Register(IPluginContext context) { }
        }
        """;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), byte[]> Compiled = new();

    /// <summary><see cref="Compile"/> once per assembly name and source in this test run (Roslyn is not free).</summary>
    public static byte[] CompileOnce(string assemblyName, string source) =>
        Compiled.GetOrAdd((assemblyName, source), key => Compile(key.Item1, key.Item2));

    /// <summary>
    /// The entries of a valid package, not yet zipped, for tests that add, replace or drop some:
    /// <c>&lt;id&gt;/plugin.json</c> (changed by <paramref name="manifest"/>) and <c>&lt;id&gt;/TestPlugin.dll</c>.
    /// </summary>
    public static List<(string Name, byte[] Content)> PackageEntries(string id, string version, string? source = null,
        Action<Dictionary<string, object?>>? manifest = null) =>
    [
        ($"{id}/plugin.json", Manifest(id, version, change: manifest)),
        ($"{id}/TestPlugin.dll", CompileOnce("TestPlugin", source ?? PreviewPluginSource)),
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
        [
            .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                            || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Win32.Primitives.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)),
        ]);

    /// <summary>The SDK assembly the host runs with (plugins compile against it, never ship it).</summary>
    public static string SdkAssemblyPath => typeof(CloudService.Plugins.Sdk.IPlugin).Assembly.Location;

    /// <summary>Compiles <paramref name="source"/> into a DLL referencing the framework, the SDK and <paramref name="references"/>.</summary>
    public static byte[] Compile(string assemblyName, string source, params byte[][] references) =>
        Compile(assemblyName, source, [MetadataReference.CreateFromFile(SdkAssemblyPath), .. references.Select(r => MetadataReference.CreateFromImage(r))]);

    /// <summary>Compiles <paramref name="source"/> against the framework and <paramref name="references"/> only — not the host's SDK (for plugins built against some other SDK).</summary>
    public static byte[] CompileAgainst(string assemblyName, string source, params byte[][] references) =>
        Compile(assemblyName, source, [.. references.Select(r => MetadataReference.CreateFromImage(r))]);

    private static byte[] Compile(string assemblyName, string source, MetadataReference[] references)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            [.. FrameworkReferences.Value, .. references],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        if (!result.Success)
        {
            throw new InvalidOperationException("Test plugin does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return output.ToArray();
    }

    /// <summary>A manifest as API.md describes it; <paramref name="change"/> may add, replace or remove (null) fields.</summary>
    public static byte[] Manifest(string id, string version, string entryAssembly = "TestPlugin.dll", Action<Dictionary<string, object?>>? change = null)
    {
        var fields = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["name"] = $"Test {id}",
            ["version"] = version,
            ["author"] = "Tests",
            ["description"] = "A plugin built by the tests",
            ["entryAssembly"] = entryAssembly,
            ["sdkVersion"] = "^1.0.0",
            ["mimeTypes"] = new[] { "text/x-test" },
        };
        change?.Invoke(fields);
        foreach (var key in fields.Where(f => f.Value is null).Select(f => f.Key).ToList())
        {
            fields.Remove(key);
        }

        return JsonSerializer.SerializeToUtf8Bytes(fields);
    }

    /// <summary>
    /// A complete, valid package: <c>&lt;id&gt;/plugin.json</c> and <c>&lt;id&gt;/TestPlugin.dll</c> compiled from
    /// <paramref name="source"/> (default: <see cref="PreviewPluginSource"/>), plus <paramref name="extra"/> entries
    /// (names relative to the package's top folder).
    /// </summary>
    public static byte[] Package(string id, string version, string? source = null, params (string Name, byte[] Content)[] extra) =>
        Zip([
            ($"{id}/plugin.json", Manifest(id, version)),
            ($"{id}/TestPlugin.dll", Compile("TestPlugin", source ?? PreviewPluginSource)),
            .. extra.Select(e => ($"{id}/{e.Name}", e.Content)),
        ]);

    /// <summary>
    /// A preview provider for files named <c>*&lt;extension&gt;</c> whose render is <paramref name="render"/>: the body of
    /// <c>async Task&lt;PreviewResult&gt; RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)</c>,
    /// with <c>text</c> (the content) and <c>version</c> in scope. For previews that throw, hang, dawdle or attack.
    /// </summary>
    public static string PreviewProviderSource(string extension, string render) =>
        ProviderSource($"file.Extension == \"{extension}\"", render);

    /// <summary>The one provider template: <paramref name="canPreview"/> and <paramref name="render"/> are C# spliced into it.</summary>
    private static string ProviderSource(string canPreview, string render) => """
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context) => context.Hooks.Register<IFilePreviewProvider>(new Provider(context.Version));
        }

        public sealed class Provider(string version) : IFilePreviewProvider
        {
            public System.Collections.Generic.IReadOnlyCollection<string> SupportedMimeTypes { get; } = new[] { "text/x-test" };
            public bool CanPreview(PreviewFile file) => CAN_PREVIEW;
            public async Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken)
            {
                using var reader = new StreamReader(content);
                var text = await reader.ReadToEndAsync(cancellationToken);
                RENDER
            }
        }
        """.Replace("CAN_PREVIEW", canPreview, StringComparison.Ordinal).Replace("RENDER", render, StringComparison.Ordinal);

    /// <summary>Renders like <see cref="PreviewPluginSource"/>, for <paramref name="extension"/>.</summary>
    public static string EchoPreviewSource(string extension) =>
        PreviewProviderSource(extension, EchoRender);

    /// <summary>A provider whose every render throws.</summary>
    public static string ThrowingPreviewSource(string extension) =>
        PreviewProviderSource(extension, "throw new InvalidOperationException(\"renderer exploded\");");

    /// <summary>A provider that ignores cancellation and takes <paramref name="seconds"/> to answer.</summary>
    public static string HangingPreviewSource(string extension, int seconds = 30) =>
        PreviewProviderSource(extension, $"await Task.Delay(TimeSpan.FromSeconds({seconds})); return new PreviewResult(\"<p>too late</p>\");");

    /// <summary>A provider that takes <paramref name="milliseconds"/> per render, so that concurrent requests really overlap it.</summary>
    public static string SlowPreviewSource(string extension, int milliseconds) =>
        PreviewProviderSource(extension, $"await Task.Delay({milliseconds}, cancellationToken); return new PreviewResult($\"<p>slow v{{version}}: {{System.Net.WebUtility.HtmlEncode(text)}}</p>\");");

    /// <summary>A provider whose renders wait until the file <paramref name="gatePath"/> exists (or the render is cancelled): the test decides when they end.</summary>
    public static string GatedPreviewSource(string extension, string gatePath) =>
        PreviewProviderSource(extension, $"while (!File.Exists(@\"{gatePath}\")) {{ await Task.Delay(20, cancellationToken); }} return new PreviewResult($\"<p>gated: {{System.Net.WebUtility.HtmlEncode(text)}}</p>\");");

    /// <summary>A plugin with HTTP endpoints of every kind the host must handle (see PluginEndpointTests).</summary>
    public static string EndpointsPluginSource { get; } = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Text.Json.Nodes;
        using CloudService.Plugins.Sdk;

        namespace TestPlugin;

        public sealed class Plugin : IPlugin
        {
            public void Register(IPluginContext context)
            {
                Add(context, "GET", "hello", EndpointAccess.User, r => PluginResponse.Json(new JsonObject { ["caller"] = r.Caller.UserName, ["admin"] = r.Caller.IsAdmin, ["q"] = r.Query.GetValueOrDefault("q") }));
                Add(context, "GET", "admin/stats", EndpointAccess.Admin, r => PluginResponse.Text("stats"));
                Add(context, "POST", "echo", EndpointAccess.User, r => PluginResponse.Text(r.Body.Length.ToString(), 201));
                Add(context, "GET", "items/{id}", EndpointAccess.User, r => PluginResponse.Text("item " + r.RouteValues["id"]));
                Add(context, "GET", "page", EndpointAccess.User, r => PluginResponse.Html("<script>parent.postMessage('pwned', '*')</script><p>page</p>"));
                Add(context, "GET", "boom", EndpointAccess.User, r => throw new InvalidOperationException("exploded at /srv/secret/path/data.db"));
                Add(context, "GET", "teapot", EndpointAccess.User, r => PluginResponse.Text("short and stout", 418));
                context.Hooks.Register<IPluginEndpoint>(new Slow());
            }

            private static void Add(IPluginContext context, string method, string route, EndpointAccess access, Func<PluginRequest, PluginResponse> answer) =>
                context.Hooks.Register<IPluginEndpoint>(new Endpoint(method, route, access, answer));
        }

        public sealed class Endpoint(string method, string route, EndpointAccess access, Func<PluginRequest, PluginResponse> answer) : IPluginEndpoint
        {
            public string Method => method;
            public string Route => route;
            public EndpointAccess Access => access;
            public Task<PluginResponse> HandleAsync(PluginRequest request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
        }

        public sealed class Slow : IPluginEndpoint
        {
            public string Method => "GET";
            public string Route => "slow";
            public EndpointAccess Access => EndpointAccess.User;
            public async Task<PluginResponse> HandleAsync(PluginRequest request, CancellationToken cancellationToken)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return PluginResponse.Empty();
            }
        }
        """;

    /// <summary>A settings schema with a default, bounds, an enum, a secret and an array of objects with secrets (API.md, "Settings").</summary>
    public static readonly System.Text.Json.Nodes.JsonNode ExampleSettingsSchema = System.Text.Json.Nodes.JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "greeting": { "type": "string", "maxLength": 20, "default": "hello" },
            "retries": { "type": "integer", "minimum": 0, "maximum": 10, "default": 3 },
            "mode": { "enum": ["fast", "safe"] },
            "apiKey": { "type": "string", "writeOnly": true },
            "targets": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "url": { "type": "string", "format": "uri" },
                  "secret": { "type": "string", "writeOnly": true }
                },
                "required": ["url", "secret"],
                "additionalProperties": false
              }
            }
          },
          "additionalProperties": false
        }
        """)!;

    /// <summary>
    /// A package whose manifest declares <paramref name="settingsSchema"/> and whose provider (for files named
    /// <c>*&lt;extension&gt;</c>) renders the settings it sees right now: <c>&lt;p&gt;r{revision} {json}&lt;/p&gt;</c>.
    /// </summary>
    public static byte[] SettingsEchoPackage(string id, string version, string extension, object settingsSchema) =>
        Zip([
            ($"{id}/plugin.json", Manifest(id, version, change: m => m["settings"] = settingsSchema)),
            ($"{id}/TestPlugin.dll", Compile("TestPlugin", """
                using System.IO;
                using System.Threading;
                using System.Threading.Tasks;
                using CloudService.Plugins.Sdk;

                namespace TestPlugin;

                public sealed class Plugin : IPlugin
                {
                    public void Register(IPluginContext context) => context.Hooks.Register<IFilePreviewProvider>(new Provider(context.Settings));
                }

                public sealed class Provider(IPluginSettings settings) : IFilePreviewProvider
                {
                    public System.Collections.Generic.IReadOnlyCollection<string> SupportedMimeTypes { get; } = new[] { "text/x-test" };
                    public bool CanPreview(PreviewFile file) => file.Extension == "EXTENSION";
                    public Task<PreviewResult> RenderAsync(PreviewFile file, Stream content, CancellationToken cancellationToken) =>
                        Task.FromResult(new PreviewResult("<p>r" + settings.Revision + " " + System.Net.WebUtility.HtmlEncode(settings.Current.GetRawText()) + "</p>"));
                }
                """.Replace("EXTENSION", extension, StringComparison.Ordinal))),
        ]);

    /// <summary>A gated provider (see <see cref="GatedPreviewSource"/>) that tells the nice value of the thread it renders on, before and after an await (Linux).</summary>
    public static string NicePreviewSource(string extension, string gatePath) =>
        PreviewProviderSource(extension, "static int Nice() { var s = File.ReadAllText(\"/proc/thread-self/stat\"); return int.Parse(s[(s.LastIndexOf(')') + 2)..].Split(' ')[16]); } "
            + $"while (!File.Exists(@\"{gatePath}\")) {{ await Task.Delay(20, cancellationToken); }} "
            + "var before = Nice(); await Task.Delay(5, cancellationToken); return new PreviewResult($\"<p>nice {before} {Nice()}</p>\");");

    /// <summary>A provider that returns the file's content as HTML and as its stylesheet, unchecked: a hostile plugin.</summary>
    public static string RawHtmlPreviewSource(string extension) =>
        PreviewProviderSource(extension, "var parts = text.Split(\"\\n===\\n\"); return new PreviewResult(parts[0], parts.Length > 1 ? parts[1] : null);");

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(content);
            }
        }

        return memory.ToArray();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
