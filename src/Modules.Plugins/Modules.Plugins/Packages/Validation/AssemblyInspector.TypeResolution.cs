using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CloudService.Plugins.PackageRules;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

// Following a type's interfaces and base classes through the plugin's own assemblies, by metadata only.
internal static partial class AssemblyInspector
{
    /// <summary>
    /// Whether the type implements the SDK's IPlugin, through its own interfaces or a base class. Each
    /// type's answer is kept in its module's set: interfaces form a graph in which one type is reached by
    /// many paths, and a crafted assembly can make walking every path take for ever.
    /// </summary>
    private static bool Implements(Module module, TypeDefinitionHandle handle, int depth)
    {
        if (depth > MaxTypeDepth)
        {
            return false;
        }

        var answers = module.Set.Answers;
        if (answers.TryGetValue((module.Reader, handle), out var known))
        {
            return known;
        }

        answers[(module.Reader, handle)] = false; // a cycle (only crafted metadata has one) leads nowhere
        var type = module.Reader.GetTypeDefinition(handle);
        var implements = type.GetInterfaceImplementations()
                .Any(i => IsOrExtendsPlugin(module, module.Reader.GetInterfaceImplementation(i).Interface, depth + 1))
            || (!type.BaseType.IsNil && Resolve(module, type.BaseType) is { } baseType && Implements(baseType.Module, baseType.Handle, depth + 1));
        answers[(module.Reader, handle)] = implements;
        return implements;
    }

    private static bool IsOrExtendsPlugin(Module module, EntityHandle interfaceHandle, int depth)
    {
        if (interfaceHandle.Kind == HandleKind.TypeReference)
        {
            var md = module.Reader;
            var reference = md.GetTypeReference((TypeReferenceHandle)interfaceHandle);
            if (md.StringComparer.Equals(reference.Name, PluginPackageRules.PluginInterfaceName)
                && md.StringComparer.Equals(reference.Namespace, SdkNamespace)
                && reference.ResolutionScope.Kind == HandleKind.AssemblyReference
                && md.StringComparer.Equals(md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name, SdkInfo.AssemblyName))
            {
                return true;
            }
        }

        // An interface of the plugin's own that extends IPlugin.
        return Resolve(module, interfaceHandle) is { } resolved && Implements(resolved.Module, resolved.Handle, depth + 1);
    }

    /// <summary>Finds the definition behind a type handle in the plugin's own assemblies; null for framework and SDK types.</summary>
    private static (Module Module, TypeDefinitionHandle Handle)? Resolve(Module module, EntityHandle handle)
    {
        var md = module.Reader;
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                return (module, (TypeDefinitionHandle)handle);

            case HandleKind.TypeSpecification:
                // A generic instantiation such as PluginBase<Options>: follow its generic type.
                var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
                {
                    return null;
                }

                blob.ReadSignatureTypeCode();
                return Resolve(module, blob.ReadTypeHandle());

            case HandleKind.TypeReference:
                var reference = md.GetTypeReference((TypeReferenceHandle)handle);
                if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference)
                {
                    return null;
                }

                var assembly = md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name);
                if (module.Set.OpenSibling(assembly) is not { } other)
                {
                    return null;
                }

                foreach (var candidate in other.Reader.TypeDefinitions)
                {
                    var type = other.Reader.GetTypeDefinition(candidate);
                    if (type.GetDeclaringType().IsNil
                        && other.Reader.StringComparer.Equals(type.Name, md.GetString(reference.Name))
                        && other.Reader.StringComparer.Equals(type.Namespace, md.GetString(reference.Namespace)))
                    {
                        return (other, candidate);
                    }
                }

                return null;

            default:
                return null;
        }
    }

    private sealed record Module(MetadataReader Reader, ModuleSet Set);

    /// <summary>The entry assembly and the other assemblies of its folder, opened on demand and closed together.</summary>
    private sealed class ModuleSet(string directory) : IDisposable
    {
        private readonly List<PEReader> readers = [];
        private readonly Dictionary<string, Module?> byName = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Whether a type (by its module's reader and handle) implements IPlugin, once worked out.</summary>
        public Dictionary<(MetadataReader Reader, TypeDefinitionHandle Handle), bool> Answers { get; } = [];

        public Module? Open(string path)
        {
            var pe = new PEReader(File.OpenRead(path));
            readers.Add(pe);
            return pe.HasMetadata ? new Module(pe.GetMetadataReader(), this) : null;
        }

        public Module? OpenSibling(string assemblyName)
        {
            if (byName.TryGetValue(assemblyName, out var known))
            {
                return known;
            }

            Module? module = null;
            var path = Path.Combine(directory, assemblyName + ".dll");
            // The name comes from the plugin's metadata: it must not lead out of the plugin's folder.
            var plainName = assemblyName.Length > 0 && Path.GetFileName(assemblyName) == assemblyName && !assemblyName.Contains("..", StringComparison.Ordinal);
            if (plainName && assemblyName != SdkInfo.AssemblyName && File.Exists(path))
            {
                try
                {
                    module = Open(path);
                }
                catch (BadImageFormatException)
                {
                    // Not a managed assembly: it cannot hold a base class.
                }
            }

            byName[assemblyName] = module;
            return module;
        }

        public void Dispose()
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }
}
