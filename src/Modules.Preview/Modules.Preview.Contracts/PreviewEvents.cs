namespace CloudService.Modules.Preview.Contracts;

/// <summary>A preview that is not cached was asked for; one consumer generates it.</summary>
/// <param name="FileId">The file to preview.</param>
/// <param name="Sha256">The content's SHA-256 (part of the cache key).</param>
/// <param name="ProviderKey">The provider chosen, as <c>pluginId@version</c> (or <c>builtin-text</c>).</param>
/// <param name="Priority">0 for a user waiting, 1 for pre-generation after upload.</param>
public sealed record PreviewRequested(Guid FileId, string Sha256, string ProviderKey, int Priority);

/// <summary>A preview was generated, sanitised and cached.</summary>
/// <param name="Sha256">The content's SHA-256.</param>
/// <param name="ProviderKey">The provider, as <c>pluginId@version</c> (or <c>builtin-text</c>).</param>
/// <param name="Bytes">The size of the cached fragment.</param>
/// <param name="RenderMilliseconds">How long the provider took.</param>
public sealed record PreviewGenerated(string Sha256, string ProviderKey, long Bytes, double RenderMilliseconds);

/// <summary>Generating a preview failed; the failure is cached briefly.</summary>
/// <param name="Sha256">The content's SHA-256.</param>
/// <param name="ProviderKey">The provider, as <c>pluginId@version</c>.</param>
/// <param name="Reason">What went wrong.</param>
public sealed record PreviewFailed(string Sha256, string ProviderKey, string Reason);
