using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Plugins.AdminUi;

/// <summary>
/// The admin's plugin pages. They are thin shells: the data comes from the admin API, and live
/// progress from its server-sent events, so the page never needs a reload. Their scripts are this
/// module's static files (wwwroot/plugin-list.js, wwwroot/plugin-detail.js; ADR 8).
/// </summary>
internal static class PluginPages
{
    private static readonly Asset ListScript = new(typeof(PluginPages).Assembly, "plugin-list.js");
    private static readonly Asset DetailScript = new(typeof(PluginPages).Assembly, "plugin-detail.js");
    private static readonly Asset SettingsFormScript = new(typeof(PluginPages).Assembly, "settings-form.js");

    public static void MapPluginsPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/plugins", (HttpContext http) => Page.Render(http, "Plugins", ListBody, ListScript))
            .RequireAuthorization(Roles.AdminPolicy).ExcludeFromDescription();
        app.MapGet("/admin/plugins/{pluginId}", (HttpContext http, string pluginId) =>
                Page.Render(http, $"Plugin {pluginId}", DetailBody(pluginId), [SettingsFormScript, DetailScript]))
            .RequireAuthorization(Roles.AdminPolicy).ExcludeFromDescription();
    }

    private const string ListBody = """
        <section class="card">
          <h1>Plugins</h1>
          <form id="upload-form">
            <label>Plugin package (.zip) <input type="file" id="package" name="package" accept=".zip,application/zip" required></label>
            <button type="submit" id="upload-button">Upload plugin</button>
            <div id="upload-progress-row" class="progress-row" hidden><progress id="upload-progress" max="100" value="0"></progress><span id="upload-percent" class="percent">0%</span></div>
            <p id="upload-result" role="status"></p>
          </form>
        </section>
        <section class="card">
          <table id="plugins">
            <thead><tr><th>Plugin</th><th>Version</th><th>Author</th><th>Status</th><th>Progress</th><th></th></tr></thead>
            <tbody></tbody>
          </table>
          <p id="empty" class="muted" hidden>No plugins yet. Upload a package to add one.</p>
          <p id="failed-filter" class="muted" hidden><span id="failed-count"></span> <button type="button" id="toggle-failed" class="secondary" aria-pressed="false">Show them</button></p>
          <p class="muted">Background jobs: <a href="/hangfire">Hangfire dashboard</a></p>
        </section>
        <section class="card" id="rejected-card" hidden>
          <h2>Refused uploads</h2>
          <table id="rejected"><thead><tr><th>When</th><th>By</th><th>File</th><th>Why</th></tr></thead><tbody></tbody></table>
        </section>
        """;

    private static string DetailBody(string pluginId) => $"""
        <section class="card" id="plugin" data-plugin-id="{Page.Encode(pluginId)}">
          <p><a href="/admin/plugins">← All plugins</a></p>
          <h1 id="title">{Page.Encode(pluginId)}</h1>
          <p><span id="status" class="badge"></span> <span id="progress-text" class="muted"></span></p>
          <progress id="progress" max="100" value="0" hidden></progress>
          <div class="actions">
            <button id="activate">Activate</button>
            <button id="deactivate" class="secondary">Deactivate</button>
            <button id="delete" class="danger">Delete</button>
          </div>
          <p id="action-result" role="status"></p>
          <ul id="errors" class="errors"></ul>
        </section>
        <section class="card"><h2>Manifest</h2><dl id="manifest" class="meta"></dl></section>
        <section class="card" id="settings-card" hidden><h2>Settings</h2>
          <p class="muted">Checked against the plugin's schema when saved; secrets are never shown again.</p>
        </section>
        <section class="card"><h2>Versions</h2>
          <table id="versions"><thead><tr><th>Version</th><th>Status</th><th>Uploaded</th><th>By</th><th>Size</th><th></th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card"><h2>Audit log</h2>
          <table id="log"><thead><tr><th>When</th><th>Event</th><th>By</th><th>Version</th><th>Detail</th></tr></thead><tbody></tbody></table>
        </section>
        """;
}
