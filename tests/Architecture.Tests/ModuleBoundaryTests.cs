using System.Reflection;
using CloudService.Tests.Infrastructure;
using NetArchTest.Rules;

namespace CloudService.Tests.Architecture;

/// <summary>Modules talk only through each other's Contracts; these rules keep it so.</summary>
[Trait("Category", "Unit")]
public sealed class ModuleBoundaryTests
{
    private static readonly string[] Modules = ["Identity", "Storage", "Plugins", "Preview"];

    /// <summary>Identity has no Contracts project: no other module needs anything from it.</summary>
    private static readonly string[] ModulesWithContracts = ["Storage", "Plugins", "Preview"];

    public static TheoryData<string> ModuleNames() => [.. Modules];

    public static TheoryData<string> ModulesWithContractsNames() => [.. ModulesWithContracts];

    private static Assembly Implementation(string module) => Assembly.Load($"CloudService.Modules.{module}");

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_references_no_other_modules_implementation(string module)
    {
        var others = Modules.Where(m => m != module).Select(m => $"CloudService.Modules.{m}").ToArray();
        var referenced = Implementation(module).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(referenced, others.Contains);

        // By type, not by namespace: "CloudService.Modules.Storage" would also match the Contracts a module may use.
        var implementationTypes = others.Select(o => Assembly.Load(o)).SelectMany(a => a.GetTypes())
            .Select(t => t.FullName!).Where(n => !n.Contains('<', StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(implementationTypes);
        var result = Types.InAssembly(Implementation(module)).ShouldNot().HaveDependencyOnAny(implementationTypes).GetResult();
        Assert.True(result.IsSuccessful, $"{module} depends on another module's implementation: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_project_references_only_other_modules_contracts(string module)
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "src", $"Modules.{module}"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var references = System.Xml.Linq.XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
            foreach (var reference in references.Where(r => r.StartsWith("Modules.", StringComparison.Ordinal)))
            {
                Assert.True(reference.StartsWith($"Modules.{module}", StringComparison.Ordinal) || reference.EndsWith(".Contracts", StringComparison.Ordinal),
                    $"{Path.GetFileName(project)} references {reference}: modules may only reference other modules' Contracts.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ModulesWithContractsNames))]
    public void A_contracts_project_references_no_implementation_and_no_package(string module)
    {
        var contracts = Assembly.Load($"CloudService.Modules.{module}.Contracts");
        var allowed = new[] { "System.", "netstandard", "CloudService.Plugins.Sdk", "CloudService.Modules." };
        var referenced = contracts.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(referenced, name =>
        {
            Assert.Contains(allowed, prefix => name.StartsWith(prefix, StringComparison.Ordinal) || name == "System");
            Assert.False(name.StartsWith("CloudService.Modules.", StringComparison.Ordinal) && !name.EndsWith(".Contracts", StringComparison.Ordinal),
                $"{contracts.GetName().Name} references the implementation {name}");
        });
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_modules_only_public_type_is_its_registration_entry(string module)
    {
        var publicTypes = Implementation(module).GetExportedTypes().Select(t => t.FullName).ToList();
        Assert.Equal([$"CloudService.Modules.{module}.{module}Module"], publicTypes);
    }

    [Fact]
    public void The_host_uses_modules_only_through_their_entries_and_contracts()
    {
        var host = typeof(Program).Assembly;
        foreach (var module in Modules)
        {
            var result = Types.InAssembly(host)
                .ShouldNot().HaveDependencyOnAny(
                    $"CloudService.Modules.{module}.Lifecycle", $"CloudService.Modules.{module}.Runtime", $"CloudService.Modules.{module}.Packages")
                .GetResult();
            Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
        }
    }

    [Fact]
    public void The_plugin_sdk_depends_on_nothing_but_the_framework()
    {
        var sdk = typeof(CloudService.Plugins.Sdk.IPlugin).Assembly;
        Assert.All(sdk.GetReferencedAssemblies(), a => Assert.True(a.Name == "System.Runtime" || a.Name!.StartsWith("System.", StringComparison.Ordinal) || a.Name == "netstandard", a.Name));
    }
}
