using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CloudService.Plugins.PackageRules;

namespace CloudService.Plugins.Sdk.Build;

/// <summary>
/// Looks into the entry assembly with System.Reflection.Metadata (as the server does; nothing is
/// loaded) for what the host instantiates (<see cref="PluginPackageRules.IsEntryCandidate(MetadataReader, TypeDefinition)"/>),
/// implementing IPlugin directly or through base classes of the same assembly.
/// </summary>
internal static class EntryAssemblyInspector
{
    /// <summary>Null when the assembly holds a plugin type; otherwise why not.</summary>
    public static string? Problem(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return "is not a .NET assembly";
            }

            var md = pe.GetMetadataReader();
            if (!md.IsAssembly)
            {
                return "is a module, not an assembly";
            }

            var undecided = false;
            foreach (var handle in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(handle);
                if (!PluginPackageRules.IsEntryCandidate(md, type))
                {
                    continue;
                }

                switch (ImplementsPlugin(md, handle, depth: 0))
                {
                    case true:
                        return null;
                    case null:
                        undecided = true;
                        break;
                }
            }

            // A base class from another assembly might implement IPlugin; the server decides then.
            return undecided ? null : $"has no public, non-abstract class implementing {PluginPackageRules.PluginInterface}";
        }
        catch (BadImageFormatException)
        {
            return "is not a valid .NET assembly";
        }
    }

    /// <summary>True, false, or null when a base class lives in another assembly and cannot be followed here.</summary>
    private static bool? ImplementsPlugin(MetadataReader md, TypeDefinitionHandle handle, int depth)
    {
        if (depth > 32)
        {
            return false;
        }

        var type = md.GetTypeDefinition(handle);
        foreach (var implementation in type.GetInterfaceImplementations())
        {
            var @interface = md.GetInterfaceImplementation(implementation).Interface;
            if (@interface.Kind == HandleKind.TypeReference)
            {
                var reference = md.GetTypeReference((TypeReferenceHandle)@interface);
                if (PluginPackageRules.IsPluginInterface(md.GetString(reference.Namespace), md.GetString(reference.Name)))
                {
                    return true;
                }
            }
        }

        var baseType = type.BaseType;
        if (baseType.IsNil)
        {
            return false;
        }

        if (baseType.Kind == HandleKind.TypeDefinition)
        {
            return ImplementsPlugin(md, (TypeDefinitionHandle)baseType, depth + 1);
        }

        if (baseType.Kind == HandleKind.TypeReference)
        {
            var reference = md.GetTypeReference((TypeReferenceHandle)baseType);
            var ns = md.GetString(reference.Namespace);
            return ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) ? false : null;
        }

        return null; // a generic instantiation as base class: not followed
    }
}
