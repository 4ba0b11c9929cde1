using System.Xml.Linq;
using CloudService.Tests.Plugins;

namespace CloudService.Tests.Architecture;

/// <summary>
/// Each architecture rule can fail: it passes a healthy pair of modules compiled on the fly (Alpha and
/// Beta, each with Contracts, and a host) and reports the one thing broken in each variant.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ArchitectureRuleTests
{
    private const string AlphaContractsSource = """
        namespace CloudService.Modules.Alpha.Contracts;
        public sealed record AlphaHappened(System.Guid Id);
        """;

    private const string AlphaSource = """
        using CloudService.Modules.Alpha.Contracts;
        namespace CloudService.Modules.Alpha;
        public static class AlphaModule { public static object Describe(AlphaHappened e) => new Counter().Next(e); }
        internal abstract class Step { public abstract object Next(AlphaHappened e); }
        internal class Base : Step { public override object Next(AlphaHappened e) => e.Id; }
        internal sealed class Counter : Base { public override object Next(AlphaHappened e) => base.Next(e); }
        """;

    private const string BetaContractsSource = """
        namespace CloudService.Modules.Beta.Contracts;
        public sealed record BetaHappened(System.Guid Id, CloudService.Modules.Alpha.Contracts.AlphaHappened Cause);
        """;

    private const string BetaSource = """
        namespace CloudService.Modules.Beta;
        public static class BetaModule { public static object On(CloudService.Modules.Alpha.Contracts.AlphaHappened e) => new CloudService.Modules.Beta.Contracts.BetaHappened(e.Id, e); }
        """;

    private const string HostSource = """
        namespace Host;
        public static class Program { public static object Run() => CloudService.Modules.Alpha.AlphaModule.Describe(new(System.Guid.Empty)); }
        """;

    private static readonly Lazy<byte[]> AlphaContracts = new(() => TestPlugins.CompileAgainst("CloudService.Modules.Alpha.Contracts", AlphaContractsSource));
    private static readonly Lazy<byte[]> Alpha = new(() => TestPlugins.CompileAgainst("CloudService.Modules.Alpha", AlphaSource, AlphaContracts.Value));
    private static readonly Lazy<byte[]> BetaContracts = new(() => TestPlugins.CompileAgainst("CloudService.Modules.Beta.Contracts", BetaContractsSource, AlphaContracts.Value));

    [Fact]
    public void The_healthy_modules_pass_every_rule()
    {
        var modules = Modules();
        Assert.Empty(ArchitectureRules.ModulesUseOnlyOtherModulesContracts(modules));
        Assert.Empty(ArchitectureRules.ContractsReferenceNoPackageAndNoImplementation(modules));
        Assert.Empty(ArchitectureRules.OnlyPublicTypeIsTheRegistrationEntry(modules));
        Assert.Empty(ArchitectureRules.ClassesAreSealedUnlessDerivedFrom(modules.SelectMany(m => m.Assemblies)));
        Assert.Empty(ArchitectureRules.HostUsesModulesOnlyThroughTheirEntries(Host(HostSource, Alpha.Value), modules));
        Assert.Empty(ArchitectureRules.ProjectsReferenceOnlyOtherModulesContracts(Projects()));
        Assert.Empty(ArchitectureRules.NoScriptInCSharp([("Healthy.cs", """var onclick = 1; var html = "<p class=\"on\">script</p>"; // on=""")]));
    }

    [Fact]
    public void A_module_that_uses_another_modules_implementation_breaks_the_boundary_rule()
    {
        var beta = TestPlugins.CompileAgainst("CloudService.Modules.Beta", """
            namespace CloudService.Modules.Beta;
            public static class BetaModule { public static object On() => CloudService.Modules.Alpha.AlphaModule.Describe(new(System.Guid.Empty)); }
            """, Alpha.Value, AlphaContracts.Value);

        var violations = ArchitectureRules.ModulesUseOnlyOtherModulesContracts(Modules(beta: beta)).ToList();

        Assert.Contains("CloudService.Modules.Beta references CloudService.Modules.Alpha, the implementation of module Alpha: use its Contracts.", violations);
        Assert.Contains("CloudService.Modules.Beta uses CloudService.Modules.Alpha.AlphaModule of module Alpha's implementation.", violations);
    }

    [Fact]
    public void Contracts_that_reference_a_package_or_an_implementation_break_the_contracts_rule()
    {
        var package = TestPlugins.CompileAgainst("Fake.Messaging", "namespace Fake.Messaging; public sealed class MessageAttribute : System.Attribute { }");
        var betaContracts = TestPlugins.CompileAgainst("CloudService.Modules.Beta.Contracts", """
            namespace CloudService.Modules.Beta.Contracts;
            [Fake.Messaging.Message]
            public sealed record BetaHappened(System.Guid Id, CloudService.Modules.Alpha.Contracts.AlphaHappened Cause)
            {
                public object Alpha() => CloudService.Modules.Alpha.AlphaModule.Describe(Cause);
            }
            """, package, Alpha.Value, AlphaContracts.Value);

        var modules = Modules(betaContracts: betaContracts);
        var violations = ArchitectureRules.ContractsReferenceNoPackageAndNoImplementation(modules).ToList();

        Assert.Contains("CloudService.Modules.Beta.Contracts references Fake.Messaging: Contracts reference only the framework, the plugin SDK and other Contracts.", violations);
        Assert.Contains("CloudService.Modules.Beta.Contracts references CloudService.Modules.Alpha: Contracts reference only the framework, the plugin SDK and other Contracts.", violations);
        Assert.Contains("CloudService.Modules.Beta.Contracts references CloudService.Modules.Alpha, the implementation of module Alpha: use its Contracts.",
            ArchitectureRules.ModulesUseOnlyOtherModulesContracts(modules));
    }

    [Fact]
    public void A_second_public_type_breaks_the_single_entry_rule_and_the_host_may_not_use_it()
    {
        var alpha = TestPlugins.CompileAgainst("CloudService.Modules.Alpha", AlphaSource + "\npublic sealed class Leaky { public static int Count() => 1; }", AlphaContracts.Value);
        var modules = Modules(alpha: alpha);

        Assert.Equal(
            ["CloudService.Modules.Alpha has the public types [CloudService.Modules.Alpha.AlphaModule, CloudService.Modules.Alpha.Leaky]; only [CloudService.Modules.Alpha.AlphaModule] may be public."],
            ArchitectureRules.OnlyPublicTypeIsTheRegistrationEntry(modules));
        var host = Host(HostSource.Replace("public static class Program {", "public static class Program { public static int Leak() => CloudService.Modules.Alpha.Leaky.Count();", StringComparison.Ordinal), alpha);
        Assert.Equal(
            ["Host uses CloudService.Modules.Alpha.Leaky of module Alpha: only CloudService.Modules.Alpha.AlphaModule and the Contracts are meant for it."],
            ArchitectureRules.HostUsesModulesOnlyThroughTheirEntries(host, modules));
    }

    [Fact]
    public void A_class_that_is_neither_sealed_nor_a_base_class_breaks_the_sealed_rule()
    {
        var alpha = TestPlugins.CompileAgainst("CloudService.Modules.Alpha", AlphaSource + "\ninternal class Open { }", AlphaContracts.Value);

        Assert.Equal(
            ["CloudService.Modules.Alpha: CloudService.Modules.Alpha.Open is neither sealed nor a base class."],
            ArchitectureRules.ClassesAreSealedUnlessDerivedFrom(Modules(alpha: alpha).SelectMany(m => m.Assemblies)));
    }

    [Fact]
    public void A_project_reference_to_another_modules_implementation_or_a_package_in_contracts_breaks_the_project_rule()
    {
        var projects = Projects(
            beta: Project("""<ProjectReference Include="..\..\Modules.Alpha\Modules.Alpha\Modules.Alpha.csproj" />"""),
            alphaContracts: Project("""<PackageReference Include="MassTransit" /><ProjectReference Include="..\Modules.Alpha\Modules.Alpha.csproj" />"""));

        Assert.Equal(
            [
                "Modules.Alpha.Contracts references Modules.Alpha: a Contracts project references only other Contracts and the plugin SDK.",
                "Modules.Alpha.Contracts references the package MassTransit: Contracts reference no packages.",
                "Modules.Beta references Modules.Alpha: modules may only reference other modules' Contracts.",
            ],
            ArchitectureRules.ProjectsReferenceOnlyOtherModulesContracts(projects).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""return Page.Render(http, "x", body, "<script>alert(1)</script>");""")]
    [InlineData("""const string Body = "<SCRIPT src=/evil.js></SCRIPT>";""")]
    [InlineData("""const string Body = "<button type=button onclick=\"go()\">Go</button>";""")]
    [InlineData("""var img = $"<img src=\"{url}\" onerror='alert(1)'>";""")]
    public void Script_or_an_inline_handler_in_csharp_breaks_the_no_script_rule(string line)
    {
        var violation = Assert.Single(ArchitectureRules.NoScriptInCSharp([("src/Page.cs", "namespace X;\n" + line + "\n")]));
        Assert.StartsWith("src/Page.cs:2 has script in C#", violation, StringComparison.Ordinal);
    }

    private static List<Module> Modules(byte[]? alpha = null, byte[]? betaContracts = null, byte[]? beta = null)
    {
        betaContracts ??= BetaContracts.Value;
        beta ??= TestPlugins.CompileAgainst("CloudService.Modules.Beta", BetaSource, AlphaContracts.Value, betaContracts);
        return
        [
            new Module("Alpha", [AssemblyFacts.FromImage(alpha ?? Alpha.Value)], [AssemblyFacts.FromImage(AlphaContracts.Value)]),
            new Module("Beta", [AssemblyFacts.FromImage(beta)], [AssemblyFacts.FromImage(betaContracts)]),
        ];
    }

    private static AssemblyFacts Host(string source, byte[] alpha) =>
        AssemblyFacts.FromImage(TestPlugins.CompileAgainst("Host", source, alpha, AlphaContracts.Value));

    private static XDocument Project(string items) => XDocument.Parse($"""<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>{items}</ItemGroup></Project>""");

    private static List<ProjectFacts> Projects(XDocument? beta = null, XDocument? alphaContracts = null) =>
    [
        ProjectFacts.From("Alpha", "Modules.Alpha", Project("""<PackageReference Include="Marten" /><ProjectReference Include="..\Modules.Alpha.Contracts\Modules.Alpha.Contracts.csproj" />""")),
        ProjectFacts.From("Alpha", "Modules.Alpha.Contracts", alphaContracts ?? Project("")),
        ProjectFacts.From("Beta", "Modules.Beta", beta ?? Project("""<ProjectReference Include="..\..\Modules.Alpha\Modules.Alpha.Contracts\Modules.Alpha.Contracts.csproj" />""")),
        ProjectFacts.From("Beta", "Modules.Beta.Contracts", Project("""<ProjectReference Include="..\..\Modules.Alpha\Modules.Alpha.Contracts\Modules.Alpha.Contracts.csproj" /><ProjectReference Include="..\..\Plugins.Sdk\Plugins.Sdk.csproj" />""")),
    ];
}
