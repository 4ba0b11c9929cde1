using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using CloudService.Plugins.Sdk;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Plugins.Runtime;
using CloudService.Tests.Preview;

namespace CloudService.Tests.Plugins.DeveloperExperience;

/// <summary>
/// Issue 9: a developer who has never seen CloudService goes from <c>dotnet new</c> to a preview in
/// the running app, with the real CLI, the real SDK package and the real PackPlugin target — and the
/// target refuses what the server would refuse.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PluginTemplateTests(RuntimeFixture app, TemplatePluginFixture plugin) : IClassFixture<RuntimeFixture>, IClassFixture<TemplatePluginFixture>
{
    private const string Greeting = "title = \"<b>CloudService</b> & friends\"\n\n[owner]\nname = \"Ada\"\n";

    [Fact]
    public async Task A_plugin_made_from_the_template_passes_its_own_tests_packs_uploads_activates_and_previews_a_file()
    {
        var tests = await plugin.Dotnet.SucceedAsync(plugin.SolutionDirectory, "test", $"{TemplatePluginFixture.Name}.slnx", "-c", "Release");
        Assert.Contains("Passed!  - Failed:     0, Passed:     5", tests.Output, StringComparison.Ordinal);

        var pack = await plugin.Dotnet.SucceedAsync(plugin.SolutionDirectory, "build", TemplatePluginFixture.Name, "-t:PackPlugin", "-c", "Release", "--no-restore");
        var zip = Path.Combine(plugin.PluginDirectory, "bin", "Release", $"{TemplatePluginFixture.PluginId}-1.0.0.zip");
        Assert.True(File.Exists(zip), pack.ToString());
        var package = await File.ReadAllBytesAsync(zip);
        using (var archive = new ZipArchive(new MemoryStream(package)))
        {
            Assert.Equal(
                ["hello-preview/HelloPreview.deps.json", "hello-preview/HelloPreview.dll", "hello-preview/plugin.json"],
                archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        }

        using var admin = await app.App.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, package, TemplatePluginFixture.PluginId);
        var activated = await PluginApi.ActivateAsync(admin, TemplatePluginFixture.PluginId);
        Assert.True(activated.StatusCode == HttpStatusCode.OK, await activated.Content.ReadAsStringAsync());

        using var user = await app.App.NewUserClientAsync();
        var stored = await UploadFileAsync(user, $"greeting.{TemplatePluginFixture.Extension}", Greeting);
        Assert.Equal("text/plain", stored.GetProperty("contentType").GetString());
        var preview = await PreviewTesting.WaitForPreviewAsync(user, Guid.Parse(stored.GetProperty("id").GetString()!));
        var html = await preview.Content.ReadAsStringAsync();
        Assert.True(preview.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal($"{TemplatePluginFixture.PluginId}@1.0.0", preview.Header("X-Preview-Provider"));
        Assert.Equal(
            "<ol class=\"lines\">\n<li>title = \"&lt;b&gt;CloudService&lt;/b&gt; &amp; friends\"</li>\n<li></li>\n<li>[owner]</li>\n<li>name = \"Ada\"</li>\n<li></li>\n</ol>\n",
            html);

        var log = await PluginApi.LogAsync(admin, TemplatePluginFixture.PluginId);
        Assert.Equal(["uploaded", "validation-started", "validated", "activated"], log.Select(e => e.GetProperty("type").GetString()));
    }

    public static TheoryData<string, string> BrokenProjects() => new()
    {
        { "plugin.json is not JSON", "CSP002" },
        { "plugin.json lacks the author", "CSP003" },
        { "the id is not a slug", "CSP004" },
        { "the version differs from the project's", "CSP006" },
        { "sdkVersion excludes the referenced SDK", "CSP009" },
        { "entryAssembly names another DLL", "CSP011" },
        { "the project copies the SDK into its output", "CSP013" },
    };

    [Theory]
    [MemberData(nameof(BrokenProjects))]
    public async Task The_pack_target_refuses_a_plugin_the_server_would_refuse_with_an_error_code(string broken, string code)
    {
        var project = CopyOfPlugin();
        var manifest = Path.Combine(project, "plugin.json");
        var json = await File.ReadAllTextAsync(manifest);
        switch (broken)
        {
            case "plugin.json is not JSON":
                json = json[..(json.Length / 2)];
                break;
            case "plugin.json lacks the author":
                json = Edit(json, m => m.Remove("author"));
                break;
            case "the id is not a slug":
                json = Edit(json, m => m["id"] = "Hello Preview");
                break;
            case "the version differs from the project's":
                json = Edit(json, m => m["version"] = "1.0.1");
                break;
            case "sdkVersion excludes the referenced SDK":
                json = Edit(json, m => m["sdkVersion"] = "^2.0.0");
                break;
            case "entryAssembly names another DLL":
                json = Edit(json, m => m["entryAssembly"] = "Other.dll");
                break;
            default:
                var csproj = Path.Combine(project, $"{TemplatePluginFixture.Name}.csproj");
                var xml = XDocument.Load(csproj);
                xml.Root!.Add(new XElement("ItemGroup", new XElement("None",
                    new XAttribute("Include", typeof(IPlugin).Assembly.Location),
                    new XAttribute("CopyToPublishDirectory", "PreserveNewest"))));
                xml.Save(csproj);
                break;
        }

        await File.WriteAllTextAsync(manifest, json);

        var pack = await plugin.Dotnet.RunAsync(project, "build", "-t:PackPlugin", "-c", "Release");

        Assert.True(pack.ExitCode != 0, pack.ToString());
        Assert.Contains($"error {code}:", pack.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(Path.Combine(project, "bin")) ? Directory.GetFiles(Path.Combine(project, "bin"), "*.zip", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void The_sdk_package_carries_its_docs_readme_licence_build_assets_and_no_dependencies()
    {
        using var nupkg = ZipFile.OpenRead(plugin.SdkPackage);
        var entries = nupkg.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                "README.md",
                "lib/net10.0/CloudService.Plugins.Sdk.dll",
                "lib/net10.0/CloudService.Plugins.Sdk.xml",
                "build/CloudService.Plugins.Sdk.props",
                "build/CloudService.Plugins.Sdk.targets",
                "build/CloudService.Plugins.Sdk.Version.props",
                "tasks/net10.0/CloudService.Plugins.Sdk.Build.dll",
                "tasks/net10.0/Semver.dll",
            },
            entries);

        using var nuspecStream = nupkg.GetEntry("CloudService.Plugins.Sdk.nuspec")!.Open();
        var nuspec = XDocument.Load(nuspecStream).Root!;
        XNamespace ns = nuspec.Name.Namespace;
        var metadata = nuspec.Element(ns + "metadata")!;
        Assert.Equal(SdkInfo.Version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Empty(metadata.Descendants(ns + "dependency"));

        using var xmlDocs = new StreamReader(nupkg.GetEntry("lib/net10.0/CloudService.Plugins.Sdk.xml")!.Open());
        Assert.Contains("M:CloudService.Plugins.Sdk.IFilePreviewProvider.RenderAsync", xmlDocs.ReadToEnd(), StringComparison.Ordinal);
    }

    /// <summary>The generated plugin project without build output, in a folder of its own below the generated solution (so its nuget.config applies).</summary>
    private string CopyOfPlugin()
    {
        var target = Path.Combine(plugin.SolutionDirectory, "broken-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(plugin.PluginDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(plugin.PluginDirectory, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        return target;
    }

    private static string Edit(string json, Action<Dictionary<string, object?>> change)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, object?>>(json)!;
        change(fields);
        return JsonSerializer.Serialize(fields);
    }

    private static async Task<JsonElement> UploadFileAsync(HttpClient user, string name, string text)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", name);
        var response = await user.PostAsync("/api/files", form);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
