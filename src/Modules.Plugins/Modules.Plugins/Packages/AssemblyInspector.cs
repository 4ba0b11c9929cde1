using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CloudService.BuildingBlocks.Errors;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// Looks into a plugin's assemblies with System.Reflection.Metadata only: the files are read as
/// data, never loaded into a load context, so no code of an unvalidated plugin can run.
/// </summary>
internal static class AssemblyInspector
{
    private const int MaxTypeDepth = 32;
    private static readonly string SdkNamespace = typeof(IPlugin).Namespace!;
    private static readonly string PluginInterface = $"{SdkNamespace}.{nameof(IPlugin)}";
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
                if (IsInstantiableClass(md, type) && Implements(main, handle, 0))
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

    private static bool IsInstantiableClass(MetadataReader md, TypeDefinition type)
    {
        const TypeAttributes notInstantiable = TypeAttributes.Abstract | TypeAttributes.Interface;
        return (type.Attributes & notInstantiable) == 0
               && IsPubliclyVisible(md, type)
               && type.GetGenericParameters().Count == 0
               && !IsValueType(md, type);
    }

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
            if (md.StringComparer.Equals(reference.Name, nameof(IPlugin))
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
