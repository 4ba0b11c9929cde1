using System.Globalization;
using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Storage.Files;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Storage.Pages;

/// <summary>
/// The user's file pages. The list is a thin shell over the files API (so an upload shows up
/// without a reload); the detail page is rendered on the server and frames the Preview module's
/// page in a sandbox without scripts. Their scripts are this module's static files (wwwroot/; ADR 8).
/// </summary>
internal static class FilePages
{
    private static readonly Asset ListScript = new(typeof(FilePages).Assembly, "file-list.js");
    private static readonly Asset DetailScript = new(typeof(FilePages).Assembly, "file-detail.js");

    public static void MapFilePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/files", (HttpContext http, StorageOptions options) => Page.Render(http, "My files", ListBody(options.MaxUploadBytes), ListScript))
            .RequireAuthorization().ExcludeFromDescription();

        app.MapGet("/files/{id:guid}", async (Guid id, HttpContext http, StoredFiles files, CancellationToken ct) =>
                await files.FindRecordAsync(id, http.User.UserId(), ct) is { } file
                    ? Page.Render(http, file.Name, DetailBody(file), DetailScript)
                    : Page.Render(http, "No such file", NotFoundBody, statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization().ExcludeFromDescription();
    }

    private static string ListBody(long maxBytes) => $"""
        <section class="card">
          <h1>My files</h1>
          <form id="upload-form" data-max-bytes="{maxBytes.ToString(CultureInfo.InvariantCulture)}">
            <label>Files to upload (up to {Page.Encode(HumanSize(maxBytes))} each) <input type="file" id="file" name="file" multiple required></label>
            <button type="submit" id="upload-button">Upload</button>
            <div id="upload-progress-row" hidden>
              <p id="upload-name" class="muted"></p>
              <div class="progress-row"><progress id="upload-progress" max="100" value="0"></progress><span id="upload-percent" class="percent">0%</span></div>
            </div>
            <p id="upload-result" role="status"></p>
          </form>
        </section>
        <section class="card">
          <table id="files">
            <thead><tr><th>Name</th><th>Type</th><th>Size</th><th>Uploaded</th><th></th></tr></thead>
            <tbody></tbody>
          </table>
          <p id="empty" class="muted" hidden>No files yet. Upload one above.</p>
        </section>
        """;

    private static string DetailBody(FileRecord file)
    {
        var id = file.Id.ToString();
        var content = $"/api/files/{id}/content";
        return $"""
            <section class="card" id="file" data-file-id="{id}">
              <p><a href="/files">← My files</a></p>
              <h1 id="name">{Page.Encode(file.Name)}</h1>
              <dl class="meta">
                <dt>Type</dt><dd id="content-type">{Page.Encode(file.ContentType)}</dd>
                <dt>Size</dt><dd id="size" data-bytes="{file.Size.ToString(CultureInfo.InvariantCulture)}">{Page.Encode(HumanSize(file.Size))} ({file.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes)</dd>
                <dt>SHA-256</dt><dd id="sha256"><code>{file.Sha256}</code></dd>
                <dt>Uploaded</dt><dd><time id="uploaded-at" datetime="{file.UploadedAt.ToString("O", CultureInfo.InvariantCulture)}">{file.UploadedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}</time></dd>
              </dl>
              <p class="actions">
                <a class="button" id="download" href="{content}" download>Download</a>
                <button type="button" id="delete" class="danger">Delete</button>
              </p>
              <p id="action-result" role="status"></p>
            </section>
            <section class="card">
              <h2>Preview</h2>
              <iframe class="preview" sandbox src="/files/{id}/preview" title="Preview"></iframe>
            </section>
            """;
    }

    private const string NotFoundBody = """
        <section class="card"><h1>No such file</h1><p>This file does not exist, or it is not yours.</p><p><a href="/files">Back to my files</a></p></section>
        """;

    internal static string HumanSize(long bytes)
    {
        if (bytes < 1024)
        {
            return $"{bytes} B";
        }

        string[] units = ["KB", "MB", "GB", "TB"];
        double n = bytes;
        var i = -1;
        do
        {
            n /= 1024;
            i++;
        }
        while (n >= 1024 && i < units.Length - 1);
        return string.Create(CultureInfo.InvariantCulture, $"{n.ToString(n < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} {units[i]}");
    }
}
