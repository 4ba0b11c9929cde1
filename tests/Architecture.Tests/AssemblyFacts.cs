using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace CloudService.Tests.Architecture;

/// <summary>A type as the architecture rules see it.</summary>
internal sealed record TypeFacts(string FullName, bool IsPublic, bool IsClass, bool IsSealed, bool IsAbstract, string? BaseType);

/// <summary>
/// What the architecture rules need of an assembly, read from its metadata without loading it: so a
/// rule can be fed an assembly compiled on the fly under the same name as a real one.
/// </summary>
internal sealed record AssemblyFacts(
    string Name,
    IReadOnlyList<string> References,
    IReadOnlyList<TypeFacts> Types,
    IReadOnlyList<(string Assembly, string Type)> UsedTypes)
{
    public static AssemblyFacts FromFile(string path) => FromImage(File.ReadAllBytes(path));

    public static AssemblyFacts FromImage(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        var md = pe.GetMetadataReader();
        var references = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();

        var types = new List<TypeFacts>();
        foreach (var handle in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(handle);
            var name = FullName(md, t);
            if (name == "<Module>" || name.Contains('<', StringComparison.Ordinal) || IsCompilerGenerated(md, t.GetCustomAttributes()))
            {
                continue;
            }

            var attributes = t.Attributes;
            var visibility = attributes & TypeAttributes.VisibilityMask;
            var isPublic = visibility == TypeAttributes.Public
                           || (visibility == TypeAttributes.NestedPublic && IsPublicChain(md, t));
            var baseType = t.BaseType.IsNil ? null : TypeName(md, t.BaseType);
            var isClass = (attributes & TypeAttributes.Interface) == 0 && baseType is not ("System.ValueType" or "System.Enum");
            types.Add(new TypeFacts(name, isPublic, isClass, (attributes & TypeAttributes.Sealed) != 0, (attributes & TypeAttributes.Abstract) != 0, baseType));
        }

        var used = new List<(string, string)>();
        foreach (var handle in md.TypeReferences)
        {
            var r = md.GetTypeReference(handle);
            var scope = r.ResolutionScope;
            while (scope.Kind == HandleKind.TypeReference)
            {
                scope = md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
            }

            if (scope.Kind == HandleKind.AssemblyReference)
            {
                used.Add((md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name), TypeName(md, handle)));
            }
        }

        return new AssemblyFacts(md.GetString(md.GetAssemblyDefinition().Name), references, types, used);
    }

    private static bool IsPublicChain(MetadataReader md, TypeDefinition t)
    {
        for (var declaring = t.GetDeclaringType(); !declaring.IsNil; declaring = md.GetTypeDefinition(declaring).GetDeclaringType())
        {
            var visibility = md.GetTypeDefinition(declaring).Attributes & TypeAttributes.VisibilityMask;
            if (visibility is not (TypeAttributes.Public or TypeAttributes.NestedPublic))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsCompilerGenerated(MetadataReader md, CustomAttributeHandleCollection attributes) =>
        attributes.Any(h => TypeName(md, md.GetCustomAttribute(h).Constructor) == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

    private static string FullName(MetadataReader md, TypeDefinition t)
    {
        var name = md.GetString(t.Name);
        var declaring = t.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return FullName(md, md.GetTypeDefinition(declaring)) + "+" + name;
        }

        var ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static string TypeName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeDefinition => FullName(md, md.GetTypeDefinition((TypeDefinitionHandle)handle)),
        HandleKind.TypeReference => TypeName(md, (TypeReferenceHandle)handle),
        HandleKind.MemberReference => TypeName(md, md.GetMemberReference((MemberReferenceHandle)handle).Parent),
        HandleKind.MethodDefinition => FullName(md, md.GetTypeDefinition(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType())),
        _ => "",
    };

    private static string TypeName(MetadataReader md, TypeReferenceHandle handle)
    {
        var r = md.GetTypeReference(handle);
        var name = md.GetString(r.Name);
        if (r.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return TypeName(md, (TypeReferenceHandle)r.ResolutionScope) + "+" + name;
        }

        var ns = md.GetString(r.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
