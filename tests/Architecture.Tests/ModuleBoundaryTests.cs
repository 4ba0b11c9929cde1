using System.Xml.Linq;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Architecture;

/// <summary>
/// Modules talk only through each other's Contracts; these rules keep it so. The modules are found,
/// not listed: every <c>src/Modules.*</c> folder is one, each project in it is its assembly
/// <c>CloudService.&lt;project&gt;</c> (a new module is checked from its first commit). Each rule is a
/// function in <see cref="ArchitectureRules"/>; ArchitectureRuleTests shows each one failing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ModuleBoundaryTests
{
    private static readonly Lazy<IReadOnlyList<ProjectFacts>> Projects = new(FindProjects);
    private static readonly Lazy<IReadOnlyList<Module>> Modules = new(LoadModules);

    public static TheoryData<string> ModuleNames() => [.. Projects.Value.Select(p => p.Module).Distinct()];

    [Fact]
    public void Every_module_folder_is_found_and_its_assemblies_are_checked()
    {
        // Guards the discovery itself: a rule over no modules would pass for ever.
        Assert.Superset(new HashSet<string> { "Identity", "Storage", "Plugins", "Preview" }, Modules.Value.Select(m => m.Name).ToHashSet());
        Assert.All(Modules.Value, m => Assert.Contains(m.Implementations, a => a.Name == m.EntryAssembly));
        // A Contracts project is where a module's events and shared types live; a module no other
        // module needs anything from (Identity: users are seen through claims) has none.
        Assert.Contains(Modules.Value, m => m.Contracts.Count > 0);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_references_no_other_modules_implementation(string module) =>
        AssertNone(ArchitectureRules.ModulesUseOnlyOtherModulesContracts(Modules.Value).Where(v => v.StartsWith($"CloudService.Modules.{module}", StringComparison.Ordinal)));

    [Fact]
    public void Module_projects_reference_only_other_modules_contracts_and_contracts_no_packages() =>
        AssertNone(ArchitectureRules.ProjectsReferenceOnlyOtherModulesContracts(Projects.Value));

    [Fact]
    public void A_contracts_assembly_references_no_implementation_and_no_package() =>
        AssertNone(ArchitectureRules.ContractsReferenceNoPackageAndNoImplementation(Modules.Value));

    [Fact]
    public void A_modules_only_public_type_is_its_registration_entry() =>
        AssertNone(ArchitectureRules.OnlyPublicTypeIsTheRegistrationEntry(Modules.Value));

    [Fact]
    public void Module_classes_are_sealed_unless_they_are_base_classes() =>
        AssertNone(ArchitectureRules.ClassesAreSealedUnlessDerivedFrom(Modules.Value.SelectMany(m => m.Assemblies)));

    [Fact]
    public void The_host_uses_modules_only_through_their_entries_and_contracts()
    {
        var host = AssemblyFacts.FromFile(typeof(Program).Assembly.Location);
        Assert.Contains(host.UsedTypes, u => u.Type == "CloudService.Modules.Plugins.PluginsModule"); // what the rule looks at is there
        AssertNone(ArchitectureRules.HostUsesModulesOnlyThroughTheirEntries(host, Modules.Value));
    }

    [Fact]
    public void No_csharp_file_in_src_carries_script()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !IsBuildOutput(p))
            .Select(p => (Path.GetRelativePath(RepositoryRoot.Path, p), File.ReadAllText(p)))
            .ToList();
        Assert.Contains(sources, s => s.Item1.EndsWith("PluginPages.cs", StringComparison.Ordinal));
        AssertNone(ArchitectureRules.NoScriptInCSharp(sources));
    }

    [Fact]
    public void The_plugin_sdk_depends_on_nothing_but_the_framework()
    {
        var sdk = typeof(CloudService.Plugins.Sdk.IPlugin).Assembly;
        Assert.All(sdk.GetReferencedAssemblies(), a => Assert.True(a.Name == "System.Runtime" || a.Name!.StartsWith("System.", StringComparison.Ordinal) || a.Name == "netstandard", a.Name));
    }

    private static void AssertNone(IEnumerable<string> violations)
    {
        var found = violations.ToList();
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    private static List<ProjectFacts> FindProjects() =>
    [
        .. Directory.GetDirectories(Path.Combine(RepositoryRoot.Path, "src"), "Modules.*")
            .SelectMany(folder => Directory.GetFiles(folder, "*.csproj", SearchOption.AllDirectories)
                .Where(p => !IsBuildOutput(p))
                .Select(p => ProjectFacts.From(Path.GetFileName(folder)["Modules.".Length..], Path.GetFileNameWithoutExtension(p), XDocument.Load(p))))
            .OrderBy(p => p.Name, StringComparer.Ordinal),
    ];

    private static List<Module> LoadModules() =>
    [
        .. Projects.Value.GroupBy(p => p.Module).Select(g =>
        {
            var assemblies = g.Select(p => (p.IsContracts, Facts: Load(p))).ToList();
            return new Module(g.Key, [.. assemblies.Where(a => !a.IsContracts).Select(a => a.Facts)], [.. assemblies.Where(a => a.IsContracts).Select(a => a.Facts)]);
        }),
    ];

    private static AssemblyFacts Load(ProjectFacts project)
    {
        var path = Path.Combine(AppContext.BaseDirectory, $"CloudService.{project.Name}.dll");
        Assert.True(File.Exists(path), $"{project.Name} is in src/ but CloudService.{project.Name}.dll is not beside the tests: is the module composed in the host (a project reference of Bootstrapper)?");
        return AssemblyFacts.FromFile(path);
    }
}
