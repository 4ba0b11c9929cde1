using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Net.Http.Headers;

namespace CloudService.BuildingBlocks.Web;

/// <summary>A static file a project ships in its <c>wwwroot/</c> (embedded at build time, see Directory.Build.props).</summary>
public sealed record Asset(Assembly Assembly, string Path);

/// <summary>
/// The static files (scripts, stylesheets, icons) that the host and each module ship in their own
/// <c>wwwroot/</c>, embedded into their assembly so a module carries its front-end with it. They are
/// served under <c>/_content/&lt;assembly&gt;/&lt;path&gt;</c> (the Razor class library convention) with
/// a version in the URL: pages link <c>?v=&lt;content hash&gt;</c>, which is cached for a year as
/// immutable; any other request (an old link, another instance's version during a rolling upgrade) is
/// answered <c>no-cache</c> with the same hash as ETag, so it is revalidated and never goes stale.
/// </summary>
public static class StaticAssets
{
    public const string RoutePrefix = "/_content";

    /// <summary>Serves the <c>wwwroot/</c> of <paramref name="assembly"/> (the shell's own files are always served).</summary>
    public static IServiceCollection AddStaticAssetsOf(this IServiceCollection services, Assembly assembly)
    {
        services.TryAddSingleton<AssetCatalog>();
        services.AddSingleton(new AssetAssembly(typeof(StaticAssets).Assembly));
        services.AddSingleton(new AssetAssembly(assembly));
        return services;
    }

    public static IEndpointConventionBuilder MapStaticAssetsOfModules(this IEndpointRouteBuilder app) =>
        app.MapGet(RoutePrefix + "/{assembly}/{**path}", (string assembly, string path, string? v, HttpContext http, AssetCatalog catalog) =>
            {
                if (catalog.Find(assembly, path) is not { } file)
                {
                    return Results.NotFound();
                }

                http.Response.Headers.CacheControl = v == file.Hash ? "public, max-age=31536000, immutable" : "no-cache";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(file.Content, file.ContentType, entityTag: new EntityTagHeaderValue($"\"{file.Hash}\""));
            })
            .AllowAnonymous()
            .ExcludeFromDescription();

    /// <summary>The versioned URL of an asset; throws when the file is not embedded (a typo fails the first test that renders the page).</summary>
    public static string Url(this HttpContext http, Asset asset) =>
        http.RequestServices.GetRequiredService<AssetCatalog>().Url(asset);
}

internal sealed record AssetAssembly(Assembly Assembly);

internal sealed record AssetFile(byte[] Content, string ContentType, string Hash);

internal sealed class AssetCatalog
{
    private const string Root = "wwwroot/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly FrozenDictionary<string, FrozenDictionary<string, AssetFile>> byAssembly;

    public AssetCatalog(IEnumerable<AssetAssembly> assemblies)
    {
        byAssembly = assemblies.Select(a => a.Assembly).Distinct()
            .ToFrozenDictionary(a => a.GetName().Name!, Load, StringComparer.Ordinal);
    }

    public AssetFile? Find(string assembly, string path) =>
        byAssembly.TryGetValue(assembly, out var files) && files.TryGetValue(path, out var file) ? file : null;

    public string Url(Asset asset)
    {
        var assembly = asset.Assembly.GetName().Name!;
        var file = Find(assembly, asset.Path)
                   ?? throw new InvalidOperationException($"No static asset {asset.Path} in {assembly}: is its wwwroot served (AddStaticAssetsOf) and the file there?");
        return $"{StaticAssets.RoutePrefix}/{assembly}/{asset.Path}?v={file.Hash}";
    }

    private static FrozenDictionary<string, AssetFile> Load(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Root, StringComparison.Ordinal))
            .ToFrozenDictionary(n => n[Root.Length..], n => Read(assembly, n), StringComparer.Ordinal);

    private static AssetFile Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        var type = ContentTypes.TryGetContentType(resource, out var known) ? known : "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "image/svg+xml")
        {
            type += "; charset=utf-8";
        }

        // Base64url of the first 96 bits of SHA-256: short in every URL, and a collision is not a concern for cache busting.
        var hash = Convert.ToBase64String(SHA256.HashData(content).AsSpan(0, 12)).Replace('+', '-').Replace('/', '_');
        return new AssetFile(content, type, hash);
    }
}
