using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CloudService.BuildingBlocks.Errors;
using CloudService.Plugins.PackageRules;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Looks into a plugin's assemblies with System.Reflection.Metadata only: the files are read as
/// data, never loaded into a load context, so no code of an unvalidated plugin can run.
/// </summary>
internal static partial class AssemblyInspector
{
    private const int MaxTypeDepth = 32;
    private const string SdkNamespace = PluginPackageRules.SdkNamespace;
    private const string PluginInterface = PluginPackageRules.PluginInterface;
    private static readonly Version HostSdkAssemblyVersion = typeof(IPlugin).Assembly.GetName().Version!;

    /// <summary>The assembly name of a managed assembly; null for anything else (a native library, random bytes).</summary>
    public static string? AssemblyNameOf(string path)
    {
        try
        {
            using var pe = new PEReader(File.OpenRead(path));
            if (!pe.HasMetadata)
            {
                return null;
            }

            var md = pe.GetMetadataReader();
            return md.IsAssembly ? md.GetString(md.GetAssemblyDefinition().Name) : null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every problem of the entry assembly at <paramref name="path"/> (named <paramref name="shown"/> in
    /// messages): it must be a managed assembly with a public, non-abstract, non-generic class that
    /// implements the host SDK's IPlugin and has a public parameterless constructor. Base classes are
    /// followed into the other assemblies of the plugin's folder.
    /// </summary>
    public static List<string> CheckEntryAssembly(string path, string shown)
    {
        var problems = new List<string>();
        using var modules = new ModuleSet(Path.GetDirectoryName(path)!);
        try
        {
            var main = modules.Open(path);
            if (main is null)
            {
                problems.Add($"entryAssembly {shown} is not a .NET assembly: it has no CLI metadata (a native library?).");
                return problems;
            }

            var md = main.Reader;
            if (!md.IsAssembly)
            {
                problems.Add($"entryAssembly {shown} is a .NET module without an assembly manifest, not an assembly.");
                return problems;
            }

            if (md.GetString(md.GetAssemblyDefinition().Name) == SdkInfo.AssemblyName)
            {
                problems.Add($"entryAssembly {shown} is a copy of {SdkInfo.AssemblyName} itself, not a plugin.");
                return problems;
            }

            foreach (var handle in md.AssemblyReferences)
            {
                var reference = md.GetAssemblyReference(handle);
                if (md.GetString(reference.Name) == SdkInfo.AssemblyName && reference.Version > HostSdkAssemblyVersion)
                {
                    problems.Add($"entryAssembly {shown} was compiled against {SdkInfo.AssemblyName} {reference.Version}, newer than this server's {HostSdkAssemblyVersion}.");
                }
            }

            var implementations = new List<(string Name, bool Constructible)>();
            foreach (var handle in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(handle);
                if (PluginPackageRules.IsEntryCandidate(md, type) && Implements(main, handle, 0))
                {
                    implementations.Add((FullName(md, type), HasPublicParameterlessConstructor(md, type)));
                }
            }

            if (implementations.Count == 0)
            {
                problems.Add($"entryAssembly {shown} has no public, non-abstract class implementing {PluginInterface}.");
            }
            else if (!implementations.Any(i => i.Constructible))
            {
                problems.Add($"entryAssembly {shown}: {string.Join(", ", implementations.Select(i => i.Name))} implements {PluginInterface} but has no public parameterless constructor.");
            }
        }
        catch (BadImageFormatException e)
        {
            problems.Add($"entryAssembly {shown} is not a valid .NET assembly: {SafeText.Scrub(e.Message)}");
        }

        return problems;
    }

    private static bool HasPublicParameterlessConstructor(MetadataReader md, TypeDefinition type)
    {
        foreach (var handle in type.GetMethods())
        {
            var method = md.GetMethodDefinition(handle);
            if (!md.StringComparer.Equals(method.Name, ".ctor")
                || (method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public
                || (method.Attributes & MethodAttributes.Static) != 0)
            {
                continue;
            }

            var signature = md.GetBlobReader(method.Signature);
            signature.ReadSignatureHeader();
            if (signature.ReadCompressedInteger() == 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        var name = md.GetString(type.Name);
        if (!type.GetDeclaringType().IsNil)
        {
            return $"{FullName(md, md.GetTypeDefinition(type.GetDeclaringType()))}+{name}";
        }

        var ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
