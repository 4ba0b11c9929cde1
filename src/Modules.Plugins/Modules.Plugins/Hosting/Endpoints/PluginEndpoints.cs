using System.Diagnostics;
using CloudService.BuildingBlocks.Errors;
using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Plugins.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudService.Modules.Plugins.Hosting;

/// <summary>
/// Serves the active plugins' <see cref="IPluginEndpoint"/>s under <c>/plugins/{pluginId}/...</c>
/// (API.md, "Plugin extension points"): one catch-all route, matched against the hook registry at
/// every request, so an endpoint appears and disappears with its plugin on every instance without
/// touching ASP.NET Core's route table. The plugin gets plain data (body read up to a limit, the
/// caller's identity) and answers plain data, under a time limit; each call holds the plugin's gate,
/// so deactivation waits for it. What a plugin answers cannot run script in the server's origin.
/// </summary>
internal static class PluginEndpoints
{
    public const string Prefix = "/plugins";
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE" };

    /// <summary>The strings the registry keeps of an endpoint (copied at registration): method and route.</summary>
    public static IReadOnlyList<string> KeysOf(IPluginEndpoint endpoint)
    {
        var method = (endpoint.Method ?? "").Trim().ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            throw new ArgumentException($"An endpoint's Method must be one of {string.Join(", ", Methods)}, not '{endpoint.Method}'.");
        }

        var route = (endpoint.Route ?? "").Trim();
        if (route.StartsWith('/') || route.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"An endpoint's Route is relative to /plugins/{{pluginId}}/ and must not start with '/': '{endpoint.Route}'.");
        }

        try
        {
            RoutePatternFactory.Parse(route);
        }
        catch (RoutePatternException e)
        {
            throw new ArgumentException($"An endpoint's Route '{route}' is not a route template: {e.Message}");
        }

        return [new string(method), new string(route)];
    }

    public static void MapPluginEndpoints(this IEndpointRouteBuilder app)
    {
        // Signed-in users only (the fallback policy); the endpoint's own Access is checked per call.
        app.Map(Prefix + "/{pluginId}/{**path}", (HttpContext http, string pluginId, string? path) =>
                http.RequestServices.GetRequiredService<PluginEndpointCalls>().HandleAsync(http, pluginId, path ?? ""))
            .RequireAuthorization()
            .WithTags("Plugin endpoints")
            .WithSummary("Endpoints of active plugins (IPluginEndpoint), for signed-in users or admins as each endpoint says.");
    }
}

/// <summary>Finds the endpoint for a request among the active plugins' hooks, and calls it.</summary>
internal sealed class PluginEndpointCalls(HookRegistry hooks, PluginsOptions options, ILogger<PluginEndpointCalls> logger)
{
    public async Task<IResult> HandleAsync(HttpContext http, string pluginId, string path)
    {
        var method = http.Request.Method.ToUpperInvariant();
        var (registration, values, methodMismatch) = Find(pluginId, method, path);
        if (registration is null)
        {
            return methodMismatch
                ? TypedResults.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed", detail: $"This endpoint of '{pluginId}' does not answer {method}.")
                : NotFound(pluginId);
        }

        try
        {
            var endpoint = (IPluginEndpoint)registration.Hook;
            var user = http.User;
            if (endpoint.Access == EndpointAccess.Admin && !user.IsAdmin())
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "This endpoint is for administrators.");
            }

            var limit = options.Endpoints.MaxRequestBytes;
            var body = await BoundedBody.ReadAsync(http.Request, limit, http.RequestAborted);
            if (body is null)
            {
                return TooLarge(limit);
            }

            var request = new PluginRequest(method, "/" + path, values, http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
                http.Request.ContentType, body, new PluginCaller(user.UserId(), user.UserName(), user.IsAdmin()));
            return await CallAsync(http, registration, endpoint, request);
        }
        finally
        {
            registration.Owner.Exit();
        }
    }

    private async Task<IResult> CallAsync(HttpContext http, HookRegistration registration, IPluginEndpoint endpoint, PluginRequest request)
    {
        var (pluginId, version) = (registration.Owner.PluginId, registration.Owner.Version);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        limit.CancelAfter(options.Endpoints.Timeout);
        var started = Stopwatch.GetTimestamp();
        // On the thread pool: a plugin that blocks before its first await must not hold the request past the limit.
        var call = Task.Run(() => endpoint.HandleAsync(request, limit.Token), CancellationToken.None);
        PluginResponse response;
        try
        {
            response = await call.WaitAsync(options.Endpoints.Timeout, http.RequestAborted) ?? throw new InvalidOperationException("The endpoint returned no response.");
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && limit.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested))
        {
            logger.LogWarning("Endpoint {Method} /plugins/{PluginId}{Path} of {Version} did not answer within {Seconds} s", request.Method, pluginId, request.Path, version, options.Endpoints.Timeout.TotalSeconds);
            return TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "The plugin did not answer in time",
                detail: $"{pluginId} did not answer within {options.Endpoints.Timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Only text leaves: the plugin's exception object would keep its code in memory.
            logger.LogWarning("Endpoint {Method} /plugins/{PluginId}{Path} of {Version} failed: {Error}", request.Method, pluginId, request.Path, version, e.ToString());
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The plugin failed",
                detail: $"{pluginId} failed to answer: {e.GetType().Name}: {SafeText.Scrub(e.Message)}");
        }
        finally
        {
            await WaitBriefly(call);
        }

        if (response.Status is < 100 or > 599 || response.Body.Length > options.Endpoints.MaxResponseBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The plugin failed",
                detail: response.Body.Length > options.Endpoints.MaxResponseBytes
                    ? $"{pluginId} answered more than {options.Endpoints.MaxResponseBytes / 1024} KB."
                    : $"{pluginId} answered with status {response.Status}, which is not an HTTP status.");
        }

        logger.LogDebug("Endpoint {Method} /plugins/{PluginId}{Path} answered {Status} in {Ms:0.0} ms", request.Method, pluginId, request.Path, response.Status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        // A copy: the plugin's buffer must not outlive the call (it belongs to the plugin's memory).
        var bytes = response.Body.ToArray();
        var contentType = string.IsNullOrWhiteSpace(response.ContentType) ? "application/octet-stream" : new string(response.ContentType);
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // Even opened directly (not in the admin UI's sandboxed frame), a plugin's page runs no script in this origin.
        headers.ContentSecurityPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
        headers.CacheControl = "no-store";
        return response.Status == StatusCodes.Status204NoContent ? TypedResults.NoContent() : new StatusBytes(bytes, contentType, response.Status);
    }

    /// <summary>The endpoint for (method, path) with the plugin entered (the caller exits it); or why not.</summary>
    private (HookRegistration? Registration, IReadOnlyDictionary<string, string> Values, bool MethodMismatch) Find(string pluginId, string method, string path)
    {
        var methodMismatch = false;
        foreach (var registration in hooks.Current.Of<IPluginEndpoint>())
        {
            if (registration.Owner.PluginId != pluginId || registration.Keys.Count != 2)
            {
                continue;
            }

            var values = new RouteValueDictionary();
            if (!new TemplateMatcher(TemplateParser.Parse(registration.Keys[1]), []).TryMatch("/" + path, values))
            {
                continue;
            }

            if (registration.Keys[0] != method)
            {
                methodMismatch = true;
                continue;
            }

            if (registration.Owner.TryEnter())
            {
                return (registration, values.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal), false);
            }
        }

        return (null, new Dictionary<string, string>(), methodMismatch);
    }

    /// <summary>A call past its limit keeps running in the plugin; the gate is held until it ends or a short grace passes.</summary>
    private static async Task WaitBriefly(Task call)
    {
        try
        {
            await call.WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch
        {
            // Its outcome was handled above; a call still running is the plugin's to end (deactivation drains, then unloads).
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string pluginId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No active plugin '{pluginId}' answers this route.");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(int limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too large", detail: $"A plugin endpoint takes at most {limit / 1024} KB.");

    /// <summary>Bytes with any status, including error statuses (which Results.Bytes would leave to status code pages).</summary>
    private sealed class StatusBytes(byte[] bytes, string contentType, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = contentType;
            httpContext.Response.ContentLength = bytes.Length;
            await httpContext.Response.Body.WriteAsync(bytes);
        }
    }
}
