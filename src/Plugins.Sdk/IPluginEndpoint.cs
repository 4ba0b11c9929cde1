using System.Text;
using System.Text.Json.Nodes;

namespace CloudService.Plugins.Sdk;

/// <summary>Who may call a plugin's endpoint.</summary>
public enum EndpointAccess
{
    /// <summary>Any signed-in user (the default).</summary>
    User,

    /// <summary>Administrators only; other users get 403.</summary>
    Admin,
}

/// <summary>
/// An HTTP endpoint the host serves under <c>/plugins/{pluginId}/{Route}</c> while the plugin is
/// active, on every instance (SDK 1.1; the manifest should list the capability <c>http.routes</c>).
/// Anonymous callers get 401, a non-admin on an <see cref="EndpointAccess.Admin"/> endpoint 403, and
/// every route 404 while the plugin is not active. The host reads the request body (up to its limit)
/// before calling, and cancels a call that runs past its time limit (504). Requests and responses are
/// plain data: the plugin never sees the host's HTTP objects, so the same endpoint can run in a
/// sandboxed worker process later.
/// </summary>
public interface IPluginEndpoint : IPluginHook
{
    /// <summary>The HTTP method: GET, POST, PUT, PATCH or DELETE.</summary>
    string Method { get; }

    /// <summary>
    /// The route below <c>/plugins/{pluginId}/</c>, in ASP.NET Core's template syntax without a
    /// leading slash: <c>""</c> (the plugin's root), <c>"deliveries"</c>, <c>"items/{id}"</c>.
    /// </summary>
    string Route { get; }

    /// <summary>Who may call it.</summary>
    EndpointAccess Access { get; }

    /// <summary>Answers one request. May run concurrently; honour the token.</summary>
    Task<PluginResponse> HandleAsync(PluginRequest request, CancellationToken cancellationToken);
}

/// <summary>The signed-in user calling a plugin's endpoint.</summary>
/// <param name="UserId">The user's id.</param>
/// <param name="UserName">The user's name.</param>
/// <param name="IsAdmin">Whether the user is an administrator.</param>
public sealed record PluginCaller(Guid UserId, string UserName, bool IsAdmin);

/// <summary>A request to a plugin's endpoint, as plain data.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path below <c>/plugins/{pluginId}</c>, starting with a slash.</param>
/// <param name="RouteValues">The values of the route's parameters (<c>{id}</c> → <c>"id"</c>).</param>
/// <param name="Query">The query string's parameters (the first value of each).</param>
/// <param name="ContentType">The request's content type, if it has a body.</param>
/// <param name="Body">The request body (empty when there is none).</param>
/// <param name="Caller">Who is calling.</param>
public sealed record PluginRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> RouteValues,
    IReadOnlyDictionary<string, string> Query,
    string? ContentType,
    ReadOnlyMemory<byte> Body,
    PluginCaller Caller)
{
    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body.Span);
}

/// <summary>
/// The answer of a plugin's endpoint. HTML answers are served with a sandboxing content security
/// policy (no script runs in the server's origin); the admin UI shows plugin pages in sandboxed frames.
/// </summary>
/// <param name="Status">The HTTP status code (100–599).</param>
/// <param name="ContentType">The content type of <paramref name="Body"/>.</param>
/// <param name="Body">The response body.</param>
public sealed record PluginResponse(int Status, string ContentType, ReadOnlyMemory<byte> Body)
{
    /// <summary>A JSON answer. Build it with <see cref="JsonNode"/> (or serialize your own types yourself, with source-generated metadata).</summary>
    public static PluginResponse Json(JsonNode? value, int status = 200) =>
        new(status, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null"));

    /// <summary>A plain-text answer.</summary>
    public static PluginResponse Text(string text, int status = 200) =>
        new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    /// <summary>An HTML page (served sandboxed: no script runs).</summary>
    public static PluginResponse Html(string html, int status = 200) =>
        new(status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));

    /// <summary>An answer without a body.</summary>
    public static PluginResponse Empty(int status = 204) => new(status, "text/plain", ReadOnlyMemory<byte>.Empty);
}
