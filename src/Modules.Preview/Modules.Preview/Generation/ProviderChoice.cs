using CloudService.Modules.Plugins.Contracts;
using CloudService.Modules.Preview.Cache;
using CloudService.Modules.Storage.Contracts;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Preview.Generation;

/// <summary>
/// Which provider previews a file now: the first active plugin provider that accepts it, else the
/// built-in text preview for text, else none. Asked on every request; it is in memory and cheap.
/// </summary>
internal sealed class ProviderChoice(IPreviewProviders providers)
{
    /// <summary>What the built-in preview shows as text (besides every <c>text/*</c> type).</summary>
    private static readonly string[] TextApplicationTypes =
        ["application/json", "application/xml", "application/yaml", "application/x-yaml", "application/toml", "application/javascript", "application/x-sh"];

    public static PreviewFile Describe(StoredFile file) => new(file.Name, file.ContentType, file.Size);

    /// <summary>The cache key for <paramref name="file"/> as it would be rendered now, or null when nothing previews it.</summary>
    public PreviewKey? Choose(StoredFile file)
    {
        if (providers.Find(Describe(file)) is { } provider)
        {
            return new PreviewKey(file.Sha256, PreviewKey.ProviderFor(provider.PluginId, provider.Version), file.OwnerId);
        }

        return IsText(file.ContentType) ? new PreviewKey(file.Sha256, PreviewKey.BuiltinText, file.OwnerId) : null;
    }

    /// <summary>The key if an active plugin provider accepts the file (pre-generation skips the cheap built-in preview).</summary>
    public PreviewKey? ChoosePlugin(StoredFile file) =>
        providers.Find(Describe(file)) is { } provider ? new PreviewKey(file.Sha256, PreviewKey.ProviderFor(provider.PluginId, provider.Version), file.OwnerId) : null;

    public IReadOnlyList<string> SupportedTypes =>
        [.. providers.SupportedMimeTypes.Concat(["text/*", .. TextApplicationTypes]).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];

    public static bool IsText(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
               || TextApplicationTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
    }
}
