using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CloudService.Tests.Architecture;

/// <summary>A module: the projects under <c>src/Modules.&lt;Name&gt;/</c>, split into implementation and Contracts.</summary>
internal sealed record Module(string Name, IReadOnlyList<AssemblyFacts> Implementations, IReadOnlyList<AssemblyFacts> Contracts)
{
    public string EntryAssembly => $"CloudService.Modules.{Name}";

    public string EntryType => $"CloudService.Modules.{Name}.{Name}Module";

    public IEnumerable<AssemblyFacts> Assemblies => Implementations.Concat(Contracts);

    public bool Implements(string assembly) => Implementations.Any(a => a.Name == assembly);

    public bool Owns(string assembly) => Assemblies.Any(a => a.Name == assembly);
}

/// <summary>A project file as the rules see it: its name, its module, what it references.</summary>
internal sealed record ProjectFacts(string Name, string Module, IReadOnlyList<string> ProjectReferences, IReadOnlyList<string> PackageReferences)
{
    public bool IsContracts => Name.EndsWith(".Contracts", StringComparison.Ordinal);

    public static ProjectFacts From(string module, string name, XDocument project) => new(
        name,
        module,
        [.. project.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))],
        [.. project.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value)]);
}

/// <summary>
/// The architecture rules as functions: each takes what it judges (assemblies, project files, source
/// text) and returns its violations, one sentence each. ModuleBoundaryTests applies them to the real
/// code; ArchitectureRuleTests feeds each a deliberately broken set to show that it can fail.
/// </summary>
internal static partial class ArchitectureRules
{
    private static readonly string FrameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    /// <summary>A module's assemblies reference no other module's implementation, neither as an assembly nor by a type.</summary>
    public static IEnumerable<string> ModulesUseOnlyOtherModulesContracts(IReadOnlyList<Module> modules)
    {
        foreach (var module in modules)
        {
            foreach (var assembly in module.Assemblies)
            {
                foreach (var other in modules.Where(o => o != module))
                {
                    foreach (var reference in assembly.References.Where(other.Implements))
                    {
                        yield return $"{assembly.Name} references {reference}, the implementation of module {other.Name}: use its Contracts.";
                    }

                    foreach (var (_, type) in assembly.UsedTypes.Where(u => other.Implements(u.Assembly)).Distinct())
                    {
                        yield return $"{assembly.Name} uses {type} of module {other.Name}'s implementation.";
                    }
                }
            }
        }
    }

    /// <summary>A Contracts assembly references only the framework, the plugin SDK and other Contracts: no package, no implementation.</summary>
    public static IEnumerable<string> ContractsReferenceNoPackageAndNoImplementation(IReadOnlyList<Module> modules)
    {
        var contracts = modules.SelectMany(m => m.Contracts).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var assembly in modules.SelectMany(m => m.Contracts))
        {
            foreach (var reference in assembly.References.Where(r => !IsFramework(r) && r != "CloudService.Plugins.Sdk" && !contracts.Contains(r)))
            {
                yield return $"{assembly.Name} references {reference}: Contracts reference only the framework, the plugin SDK and other Contracts.";
            }
        }
    }

    /// <summary>A module's implementation has one public type, its registration entry <c>&lt;Name&gt;Module</c>; a further implementation assembly has none.</summary>
    public static IEnumerable<string> OnlyPublicTypeIsTheRegistrationEntry(IReadOnlyList<Module> modules)
    {
        foreach (var module in modules)
        {
            foreach (var assembly in module.Implementations)
            {
                string[] expected = assembly.Name == module.EntryAssembly ? [module.EntryType] : [];
                var found = assembly.Types.Where(t => t.IsPublic).Select(t => t.FullName).Order(StringComparer.Ordinal).ToArray();
                if (!found.SequenceEqual(expected))
                {
                    yield return $"{assembly.Name} has the public types [{string.Join(", ", found)}]; only [{string.Join(", ", expected)}] may be public.";
                }
            }
        }
    }

    /// <summary>Classes are sealed unless abstract or derived from in the same assembly (internal sealed by default).</summary>
    public static IEnumerable<string> ClassesAreSealedUnlessDerivedFrom(IEnumerable<AssemblyFacts> assemblies)
    {
        foreach (var assembly in assemblies)
        {
            var bases = assembly.Types.Select(t => t.BaseType).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var type in assembly.Types.Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract && !bases.Contains(t.FullName)))
            {
                yield return $"{assembly.Name}: {type.FullName} is neither sealed nor a base class.";
            }
        }
    }

    /// <summary>The host reaches into a module's implementation only through its registration entry.</summary>
    public static IEnumerable<string> HostUsesModulesOnlyThroughTheirEntries(AssemblyFacts host, IReadOnlyList<Module> modules)
    {
        foreach (var (assembly, type) in host.UsedTypes.Distinct())
        {
            if (modules.FirstOrDefault(m => m.Implements(assembly)) is { } module && type != module.EntryType)
            {
                yield return $"{host.Name} uses {type} of module {module.Name}: only {module.EntryType} and the Contracts are meant for it.";
            }
        }
    }

    /// <summary>
    /// A module's project references another module's projects only if they are Contracts, and a
    /// Contracts project references no package and nothing but other Contracts and the plugin SDK.
    /// </summary>
    public static IEnumerable<string> ProjectsReferenceOnlyOtherModulesContracts(IReadOnlyList<ProjectFacts> projects)
    {
        var moduleOf = projects.ToDictionary(p => p.Name, p => p.Module, StringComparer.Ordinal);
        foreach (var project in projects)
        {
            foreach (var reference in project.ProjectReferences)
            {
                var contracts = reference.EndsWith(".Contracts", StringComparison.Ordinal);
                if (moduleOf.TryGetValue(reference, out var module) && module != project.Module && !contracts)
                {
                    yield return $"{project.Name} references {reference}: modules may only reference other modules' Contracts.";
                }
                else if (project.IsContracts && !contracts && reference != "Plugins.Sdk")
                {
                    yield return $"{project.Name} references {reference}: a Contracts project references only other Contracts and the plugin SDK.";
                }
            }

            foreach (var package in project.IsContracts ? project.PackageReferences : [])
            {
                yield return $"{project.Name} references the package {package}: Contracts reference no packages.";
            }
        }
    }

    /// <summary>No script in C#: no <c>&lt;script</c> and no inline event handler (<c>onclick=</c>...) in any source file.</summary>
    public static IEnumerable<string> NoScriptInCSharp(IEnumerable<(string Path, string Text)> sources)
    {
        foreach (var (path, text) in sources)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (ScriptTag().IsMatch(lines[i]) || InlineHandler().IsMatch(lines[i]))
                {
                    yield return $"{path}:{i + 1} has script in C#: {lines[i].Trim()} — put it in the module's wwwroot.";
                }
            }
        }
    }

    private static bool IsFramework(string assembly) =>
        assembly is "netstandard" or "mscorlib" || File.Exists(Path.Combine(FrameworkFolder, assembly + ".dll"));

    [GeneratedRegex("<script", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptTag();

    /// <summary>An attribute named on… inside a tag: <c>&lt;button onclick="…"&gt;</c>, <c>&lt;img src=x onerror=…&gt;</c>.</summary>
    [GeneratedRegex(@"<[a-z][^<>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InlineHandler();
}
