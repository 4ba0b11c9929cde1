using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static CloudService.Tests.Plugins.Validation.CraftedZips;
using static CloudService.Tests.Plugins.Validation.ValidationAssert;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>The entry assembly and the SDK, inspected as metadata (System.Reflection.Metadata), never loaded.</summary>
[Trait("Category", "Unit")]
public sealed class AssemblyValidationTests : IDisposable
{
    private readonly ValidationSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private static List<Item> PackageWithEntryAssembly(byte[] content)
    {
        var items = ValidPackage();
        items[1] = items[1] with { Content = content };
        return items;
    }

    [Fact]
    public async Task An_entry_assembly_missing_from_the_package_fails_naming_it()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(manifest: m => m["entryAssembly"] = "Missing.dll")));

        FailsSaying(result, "entryAssembly 'Missing.dll' is not in the package");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task An_entry_assembly_named_in_another_case_fails_with_a_hint()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(manifest: m => m["entryAssembly"] = "testplugin.dll")));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "entryAssembly 'testplugin.dll' is not in the package", "case-sensitive");
    }

    [Fact]
    public async Task Random_bytes_as_the_entry_assembly_fail_as_not_a_dotnet_assembly()
    {
        var result = await sandbox.ValidateAsync(Zip(PackageWithEntryAssembly(RandomNumberGenerator.GetBytes(4096))));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "not a", ".NET assembly");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_native_library_as_the_entry_assembly_fails_as_not_a_dotnet_assembly()
    {
        var native = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        Assert.True(System.IO.File.Exists(native), native);

        var result = await sandbox.ValidateAsync(Zip(PackageWithEntryAssembly(await System.IO.File.ReadAllBytesAsync(native))));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "not a", ".NET assembly");
    }

    [Fact]
    public async Task An_assembly_without_an_IPlugin_class_fails()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.NoPluginSource)));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "no public, non-abstract class implementing CloudService.Plugins.Sdk.IPlugin");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Abstract_internal_and_generic_IPlugin_classes_do_not_count()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.UnusablePluginSource)));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "no public, non-abstract class implementing");
    }

    [Fact]
    public async Task A_look_alike_IPlugin_declared_by_the_plugin_itself_does_not_count()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.LookAlikePluginSource)));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "no public, non-abstract class implementing");
    }

    [Fact]
    public async Task An_IPlugin_class_without_a_public_parameterless_constructor_fails()
    {
        var result = await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.NoDefaultConstructorPluginSource)));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "TestPlugin.Plugin implements", "no public parameterless constructor");
    }

    [Fact]
    public async Task IPlugin_implemented_through_a_base_class_is_found()
    {
        Succeeds(await sandbox.ValidateAsync(Zip(ValidPackage(source: TestPlugins.DerivedPluginSource))));
    }

    [Fact]
    public async Task IPlugin_implemented_through_a_base_class_in_a_shipped_dependency_is_found()
    {
        var baseLibrary = TestPlugins.CompileOnce("PluginBaseLibrary", """
            using CloudService.Plugins.Sdk;
            namespace PluginBaseLibrary;
            public abstract class PluginBase : IPlugin
            {
                public abstract void Register(IPluginContext context);
            }
            """);
        var plugin = TestPlugins.Compile("TestPlugin", """
            namespace TestPlugin;
            public sealed class Plugin : PluginBaseLibrary.PluginBase
            {
                public override void Register(CloudService.Plugins.Sdk.IPluginContext context) { }
            }
            """, baseLibrary);
        var items = PackageWithEntryAssembly(plugin);
        items.Add(File("test-plugin/PluginBaseLibrary.dll", baseLibrary));

        Succeeds(await sandbox.ValidateAsync(Zip(items)));
    }

    [Fact]
    public async Task A_wide_web_of_interfaces_is_inspected_in_bounded_time()
    {
        // Sixteen levels of four interfaces, each extending all four of the next level: walked path by
        // path that is 4^16 (four billion) visits; each interface must be looked at once.
        var source = new System.Text.StringBuilder("namespace TestPlugin;\n");
        const int Levels = 16, Width = 4;
        for (var level = 0; level < Levels; level++)
        {
            for (var i = 0; i < Width; i++)
            {
                var bases = level + 1 < Levels ? " : " + string.Join(", ", Enumerable.Range(0, Width).Select(j => $"I{level + 1}_{j}")) : "";
                source.Append($"public interface I{level}_{i}{bases} {{ }}\n");
            }
        }

        source.Append($"public sealed class Plugin : {string.Join(", ", Enumerable.Range(0, Width).Select(j => $"I0_{j}"))} {{ }}\n");
        var items = PackageWithEntryAssembly(TestPlugins.Compile("TestPlugin", source.ToString()));

        var result = await sandbox.ValidateAsync(Zip(items)).WaitAsync(TimeSpan.FromSeconds(60));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "no public, non-abstract class implementing");
    }

    [Fact]
    public async Task Shipping_the_sdk_assembly_fails_naming_the_entry()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/CloudService.Plugins.Sdk.dll", await System.IO.File.ReadAllBytesAsync(TestPlugins.SdkAssemblyPath)));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/CloudService.Plugins.Sdk.dll", "copy of the SDK assembly");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Shipping_a_renamed_copy_of_the_sdk_assembly_fails_naming_the_entry()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/lib/sdk.dll", await System.IO.File.ReadAllBytesAsync(TestPlugins.SdkAssemblyPath)));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/lib/sdk.dll", "renamed copy of the SDK assembly");
    }

    [Fact]
    public async Task An_entry_assembly_compiled_against_a_newer_sdk_fails()
    {
        var futureSdk = TestPlugins.CompileAgainst("CloudService.Plugins.Sdk", """
            [assembly: System.Reflection.AssemblyVersion("2.0.0.0")]
            namespace CloudService.Plugins.Sdk;
            public interface IPluginContext { }
            public interface IPlugin { void Register(IPluginContext context); }
            """);
        var plugin = TestPlugins.CompileAgainst("TestPlugin", """
            namespace TestPlugin;
            public sealed class Plugin : CloudService.Plugins.Sdk.IPlugin
            {
                public void Register(CloudService.Plugins.Sdk.IPluginContext context) { }
            }
            """, futureSdk);

        var result = await sandbox.ValidateAsync(Zip(PackageWithEntryAssembly(plugin)));

        FailsNaming(result, "test-plugin/TestPlugin.dll", "compiled against CloudService.Plugins.Sdk 2.0.0.0");
    }

    [Fact]
    public async Task Assemblies_are_inspected_without_being_loaded_or_run()
    {
        var assemblyName = "NeverLoaded" + Guid.NewGuid().ToString("N");
        var marker = Path.Combine(sandbox.Root, "module-initializer-ran");
        var plugin = TestPlugins.Compile(assemblyName, $$"""
            using CloudService.Plugins.Sdk;
            namespace TestPlugin;
            public sealed class Plugin : IPlugin
            {
                public void Register(IPluginContext context) { }
            }
            internal static class Init
            {
                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Run() => System.IO.File.WriteAllText(@"{{marker}}", "ran");
            }
            """);

        Succeeds(await sandbox.ValidateAsync(Zip(PackageWithEntryAssembly(plugin))));

        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == assemblyName);
        Assert.False(System.IO.File.Exists(marker));
    }
}
