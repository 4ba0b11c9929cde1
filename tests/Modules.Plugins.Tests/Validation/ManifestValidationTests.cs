using static CloudService.Tests.Plugins.Validation.CraftedZips;
using static CloudService.Tests.Plugins.Validation.ValidationAssert;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>plugin.json: present, well-formed, complete, and compatible with this server's SDK (1.1.0).</summary>
[Trait("Category", "Unit")]
public sealed class ManifestValidationTests : IDisposable
{
    private readonly ValidationSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private Task<Modules.Plugins.Packages.PackageValidationResult> ValidateWithManifest(Action<Dictionary<string, object?>> change) =>
        sandbox.ValidateAsync(Zip(ValidPackage(manifest: change)));

    [Fact]
    public async Task A_package_without_plugin_json_fails_and_writes_nothing()
    {
        var items = ValidPackage().Where(i => !i.Name.EndsWith("plugin.json", StringComparison.Ordinal));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/", "no plugin.json");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_plugin_json_deeper_than_the_package_root_is_not_the_manifest()
    {
        var items = ValidPackage().Select(i => i.Name.EndsWith("plugin.json", StringComparison.Ordinal) ? i with { Name = "test-plugin/sub/plugin.json" } : i);

        FailsSaying(await sandbox.ValidateAsync(Zip(items)), "no plugin.json");
    }

    [Fact]
    public async Task Malformed_plugin_json_fails_with_the_parse_error()
    {
        var items = ValidPackage().Select(i => i.Name.EndsWith("plugin.json", StringComparison.Ordinal) ? File(i.Name, """{ "id": "test-plugin", """) : i);

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsSaying(result, "plugin.json is not valid JSON");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_plugin_json_that_is_not_an_object_fails()
    {
        var items = ValidPackage().Select(i => i.Name.EndsWith("plugin.json", StringComparison.Ordinal) ? File(i.Name, """["test-plugin"]""") : i);

        FailsSaying(await sandbox.ValidateAsync(Zip(items)), "plugin.json must hold a JSON object");
    }

    [Fact]
    public async Task A_plugin_json_with_a_field_twice_fails()
    {
        var items = ValidPackage().Select(i => i.Name.EndsWith("plugin.json", StringComparison.Ordinal)
            ? File(i.Name, System.Text.Encoding.UTF8.GetString(i.Content).Replace("{", """{"id":"other-plugin",""", StringComparison.Ordinal))
            : i);

        FailsSaying(await sandbox.ValidateAsync(Zip(items)), "Duplicate property 'id'");
    }

    [Fact]
    public async Task An_oversized_plugin_json_fails()
    {
        sandbox.Limits.MaxManifestBytes = 1024;

        var result = await ValidateWithManifest(m => m["description"] = new string('x', 2000));

        FailsNaming(result, "test-plugin/plugin.json", "larger than the 1,024 bytes");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("name")]
    [InlineData("version")]
    [InlineData("author")]
    [InlineData("description")]
    [InlineData("entryAssembly")]
    [InlineData("sdkVersion")]
    public async Task A_missing_required_field_fails_naming_the_field(string field)
    {
        var result = await ValidateWithManifest(m => m[field] = null);

        FailsSaying(result, $"lacks the required field '{field}'");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Empty_and_mistyped_fields_fail_each_with_its_own_reason()
    {
        var result = await ValidateWithManifest(m =>
        {
            m["author"] = "  ";
            m["name"] = 42;
            m["mimeTypes"] = new object[] { "text/markdown", "not a mime type" };
            m["homepage"] = "javascript:alert(1)";
        });

        FailsSaying(result, "'author' is empty");
        FailsSaying(result, "'name' must be a string");
        FailsSaying(result, "\"not a mime type\"", "not a MIME type");
        FailsSaying(result, "homepage", "not an http(s) address");
    }

    [Theory]
    [InlineData("My_Plugin")]
    [InlineData("Markdown")]
    [InlineData("double--hyphen")]
    [InlineData("-leading")]
    [InlineData("has space")]
    [InlineData("../escape")]
    public async Task An_id_that_is_not_a_lower_case_slug_fails(string id)
    {
        var result = await ValidateWithManifest(m => m["id"] = id);

        FailsSaying(result, $"id '{id}' is not a lower-case slug");
        sandbox.AssertNothingWritten();
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("1.0.0.0")]
    [InlineData("01.0.0")]
    [InlineData("latest")]
    public async Task A_version_that_is_not_semver_fails(string version)
    {
        FailsSaying(await ValidateWithManifest(m => m["version"] = version), $"version '{version}' is not a SemVer version");
    }

    [Theory]
    [InlineData("^1.0.0")]
    [InlineData(">=1.0.0 <2.0.0")]
    [InlineData("1.x")]
    [InlineData("~1.1")]
    [InlineData("*")]
    public async Task An_sdk_range_that_includes_the_host_sdk_passes(string range)
    {
        Succeeds(await ValidateWithManifest(m => m["sdkVersion"] = range));
    }

    [Theory]
    [InlineData("^2.0.0")]
    [InlineData(">=1.2.0")]
    [InlineData("<1.0.0")]
    [InlineData("0.9.x")]
    public async Task An_sdk_range_that_excludes_the_host_sdk_fails(string range)
    {
        var result = await ValidateWithManifest(m => m["sdkVersion"] = range);

        FailsSaying(result, $"sdkVersion '{range}' does not include this server's Plugins.Sdk 1.1.0");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task An_sdk_range_that_does_not_parse_fails()
    {
        FailsSaying(await ValidateWithManifest(m => m["sdkVersion"] = "one point oh"), "is not a version range");
    }

    [Theory]
    [InlineData("../TestPlugin.dll", "'..' segment")]
    [InlineData("TestPlugin.exe", "must name a .dll file")]
    public async Task An_entry_assembly_path_that_is_unsafe_or_not_a_dll_fails(string entryAssembly, string reason)
    {
        FailsSaying(await ValidateWithManifest(m => m["entryAssembly"] = entryAssembly), "entryAssembly", reason);
    }
}
