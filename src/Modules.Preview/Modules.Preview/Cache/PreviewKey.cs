namespace CloudService.Modules.Preview.Cache;

/// <summary>
/// The cache key (ADR 4): the content's SHA-256, the provider that would render it now
/// (<c>pluginId@version</c> or <see cref="BuiltinText"/>), and the user whose files these are: what
/// one user can observe of the cache (hit or miss, timing, a remembered failure) never depends on
/// another user's files (ADR 11).
/// </summary>
internal sealed record PreviewKey(string Sha256, string Provider, Guid UserId)
{
    public const string BuiltinText = "builtin-text";

    /// <summary>The plugin behind <see cref="Provider"/>, or null for the built-in preview.</summary>
    public string? PluginId => Provider.IndexOf('@', StringComparison.Ordinal) is var at and > 0 ? Provider[..at] : null;

    public static string ProviderFor(string pluginId, string version) => $"{pluginId}@{version}";
}

/// <summary>A stored preview: the sanitised fragment (UTF-8), its sanitised stylesheet and a strong ETag.</summary>
internal sealed record CachedPreview(byte[] Html, string? Stylesheet, string ETag);

/// <summary>A remembered failure: why, whether it was a timeout, and until when it is remembered.</summary>
internal sealed record CachedFailure(string Reason, bool TimedOut, DateTimeOffset ExpiresAt);
