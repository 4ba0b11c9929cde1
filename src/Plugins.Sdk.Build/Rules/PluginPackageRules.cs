using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Text.RegularExpressions;
using Semver;

namespace CloudService.Plugins.PackageRules;

/// <summary>
/// The package rules of API.md ("Plugin package") that the server's validator and the SDK's pack
/// tasks both apply, written once. This file is compiled into both assemblies (a linked
/// <c>&lt;Compile Include&gt;</c>): the pack tasks run inside MSBuild, whose process has no ASP.NET
/// Core framework to load a server assembly from (ADR 7), so they cannot share a project instead.
/// Each side words its own messages (the build's carry CSP codes); the rules are these.
/// </summary>
internal static partial class PluginPackageRules
{
    public const string ManifestFileName = "plugin.json";
    public const int MaxIdLength = 64;
    public const int MaxVersionLength = 64;
    public const string SdkNamespace = "CloudService.Plugins.Sdk";
    public const string PluginInterfaceName = "IPlugin";
    public const string PluginInterface = SdkNamespace + "." + PluginInterfaceName;

    /// <summary>How plugin.json is parsed: duplicate keys are an error, nesting is shallow.</summary>
    public static JsonDocumentOptions ManifestJson => new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    /// <summary>A plugin id is a lower-case slug of at most <see cref="MaxIdLength"/> characters.</summary>
    public static bool IsPluginId(string id) => id.Length is > 0 and <= MaxIdLength && Slug().IsMatch(id);

    /// <summary>A plugin version is a strict SemVer version of at most <see cref="MaxVersionLength"/> characters.</summary>
    public static bool IsPluginVersion(string version) =>
        version.Length is > 0 and <= MaxVersionLength && SemVersion.TryParse(version, SemVersionStyles.Strict, out _);

    /// <summary><c>sdkVersion</c> is an npm-style range.</summary>
    public static bool TryParseSdkRange(string range, [NotNullWhen(true)] out SemVersionRange? parsed) => SemVersionRange.TryParseNpm(range, out parsed);

    public static bool IsMimeType(string value) => MimeType().IsMatch(value);

    /// <summary><c>homepage</c> is an absolute http(s) address.</summary>
    public static bool IsHomepage(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>
    /// "Has an IPlugin entry": the host creates the plugin from a public, non-abstract, non-generic
    /// class implementing <see cref="PluginInterface"/>. This is the shape test of a candidate type
    /// in metadata (server validator, pack task; nothing is loaded) ...
    /// </summary>
    public static bool IsEntryCandidate(MetadataReader md, TypeDefinition type) =>
        (type.Attributes & (TypeAttributes.Abstract | TypeAttributes.Interface)) == 0
        && IsPubliclyVisible(md, type)
        && type.GetGenericParameters().Count == 0
        && !IsValueType(md, type);

    /// <summary>... and of a loaded type (the runtime, which then checks the interface with the host's own IPlugin).</summary>
    public static bool IsEntryCandidate(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsVisible: true, ContainsGenericParameters: false };

    /// <summary>Whether a referenced interface is the SDK's IPlugin, by namespace and name.</summary>
    public static bool IsPluginInterface(string? ns, string name) => ns == SdkNamespace && name == PluginInterfaceName;

    private static bool IsPubliclyVisible(MetadataReader md, TypeDefinition type) =>
        (type.Attributes & TypeAttributes.VisibilityMask) switch
        {
            TypeAttributes.Public => true,
            TypeAttributes.NestedPublic => IsPubliclyVisible(md, md.GetTypeDefinition(type.GetDeclaringType())),
            _ => false,
        };

    private static bool IsValueType(MetadataReader md, TypeDefinition type)
    {
        if (type.BaseType.Kind != HandleKind.TypeReference)
        {
            return false;
        }

        var baseType = md.GetTypeReference((TypeReferenceHandle)type.BaseType);
        return md.StringComparer.Equals(baseType.Namespace, "System")
               && (md.StringComparer.Equals(baseType.Name, "ValueType") || md.StringComparer.Equals(baseType.Name, "Enum"));
    }

    [GeneratedRegex("^[a-z0-9]+(?:-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MimeType();
}
