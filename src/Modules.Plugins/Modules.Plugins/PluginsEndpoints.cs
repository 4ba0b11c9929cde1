using System.Text.Json;
using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Hosting;
using CloudService.Modules.Plugins.Packages;
using CloudService.Modules.Plugins.Settings;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudService.Modules.Plugins;

internal static class PluginsEndpoints
{
    public static void MapPluginsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/plugins").RequireAuthorization(Roles.AdminPolicy).WithTags("Plugins");

        api.MapPost("", (HttpContext http, PackageUploads uploads, CancellationToken ct) => uploads.UploadAsync(http, ct))
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<UploadAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithIdempotency()
            .WithSummary("Upload a plugin package (.zip); validation runs in the background. With an Idempotency-Key, a retry within 24 h gets the first answer.");

        api.MapGet("", async (IQuerySession session, CancellationToken ct) =>
        {
            var plugins = await session.Query<PluginDetails>().Where(p => !p.Uninstalled).OrderBy(p => p.Id).ToListAsync(ct);
            return TypedResults.Ok(plugins.Select(PluginViews.Summary));
        }).WithSummary("All plugins with their status.");

        api.MapGet("/rejected", async (IQuerySession session, CancellationToken ct) =>
            TypedResults.Ok(await session.Query<RejectedUpload>().OrderByDescending(r => r.At).Take(20).ToListAsync(ct)))
            .WithSummary("The latest uploads refused before validation (not a ZIP, no readable manifest).");

        api.MapGet("/{pluginId}", async Task<IResult> (string pluginId, IQuerySession session, PluginRuntime runtime, CancellationToken ct) =>
            await LoadDetailAsync(session, runtime, pluginId, ct) is { } detail ? TypedResults.Ok(detail) : NotFound(pluginId))
            .WithSummary("A plugin's status, progress, errors, manifest and versions.");

        api.MapGet("/{pluginId}/log", async Task<IResult> (string pluginId, IQuerySession session, CancellationToken ct) =>
            await AuditLog.ReadAsync(session, pluginId, ct) is { } log ? TypedResults.Ok(log) : NotFound(pluginId))
            .WithSummary("The audit trail, straight from the plugin's event stream, oldest first.");

        api.MapGet("/{pluginId}/progress", StreamProgressAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Server-sent events of progress and status changes until a final state.");

        api.MapPost("/{pluginId}/activate", async (string pluginId, string? version, HttpContext http, PluginCommands commands, CancellationToken ct) =>
            ToResult(await commands.ActivateAsync(pluginId, version, http.User.UserName(), ct), r => new { status = PluginStatus.Active, version = r.Version }))
            .WithSummary("Activate the latest ready version (or ?version=) on every instance; answers once this instance serves it.");

        api.MapPost("/{pluginId}/deactivate", async (string pluginId, HttpContext http, PluginCommands commands, CancellationToken ct) =>
            ToResult(await commands.DeactivateAsync(pluginId, http.User.UserName(), ct), r => new { status = PluginStatus.Inactive, version = r.Version }))
            .WithSummary("Deactivate the plugin on every instance.");

        api.MapDelete("/{pluginId}", async (string pluginId, HttpContext http, PluginCommands commands, CancellationToken ct) =>
            ToResult(await commands.DeleteAsync(pluginId, http.User.UserName(), ct), _ => null))
            .WithSummary("Delete an inactive plugin: all its versions, folders and packages. The audit log stays.");

        api.MapPluginSettings();
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string pluginId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such plugin", detail: $"There is no plugin '{pluginId}'.");

    private static IResult ToResult(CommandResult result, Func<CommandResult, object?> body) => result.Outcome switch
    {
        Outcome.Ok when body(result) is { } value => TypedResults.Ok(value),
        Outcome.Ok => TypedResults.NoContent(),
        Outcome.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: result.Detail),
        Outcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: result.Detail),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Activation failed", detail: result.Detail),
    };

    internal static async Task<PluginDetailView?> LoadDetailAsync(IQuerySession session, PluginRuntime runtime, string pluginId, CancellationToken ct)
    {
        var plugin = await session.LoadAsync<PluginDetails>(pluginId, ct);
        if (plugin is null or { Uninstalled: true })
        {
            return null;
        }

        var ids = plugin.Versions.Keys.Select(v => PluginProgress.IdFor(pluginId, v)).ToArray();
        var progress = ids.Length == 0 ? [] : await session.LoadManyAsync<PluginProgress>(ct, ids);
        return PluginViews.Detail(plugin, progress.ToDictionary(p => p.Id[(pluginId.Length + 1)..]), runtime.LoadedVersion(pluginId));
    }

    /// <summary>
    /// Polls the projection (cheap: one primary-key read) and pushes every change. Polling the
    /// database, rather than listening in-process, works whichever instance runs the job.
    /// </summary>
    private static async Task StreamProgressAsync(string pluginId, HttpContext http, IQuerySession session, PluginRuntime runtime, IOptions<JsonOptions> json, TimeProvider clock, CancellationToken ct)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var deadline = clock.GetUtcNow().AddMinutes(10);
        string? last = null;
        while (!ct.IsCancellationRequested && clock.GetUtcNow() < deadline)
        {
            var detail = await LoadDetailAsync(session, runtime, pluginId, ct);
            if (detail is null)
            {
                await http.Response.WriteAsync("event: gone\ndata: {}\n\n", ct);
                return;
            }

            var payload = JsonSerializer.Serialize(new { detail.PluginId, detail.Version, detail.Status, detail.Progress, detail.Errors, detail.Error }, json.Value.SerializerOptions);
            if (payload != last)
            {
                await http.Response.WriteAsync($"event: progress\ndata: {payload}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
                last = payload;
            }

            if (detail.Status is not (PluginStatus.Uploaded or PluginStatus.Validating))
            {
                await http.Response.WriteAsync($"event: done\ndata: {payload}\n\n", ct);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, ct);
        }
    }
}
