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
/// page in a sandbox without scripts.
/// </summary>
internal static class FilePages
{
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

    private const string ListScript = """
        const form = document.getElementById('upload-form');
        const maxBytes = Number(form.dataset.maxBytes);
        function setResult(cls, text) { const r = document.getElementById('upload-result'); r.className = cls; r.textContent = text; }
        async function remove(f) {
          if (!confirm(`Delete ${f.name}?`)) return;
          try { await cs.api('DELETE', `/api/files/${f.id}`); setResult('ok', `Deleted ${f.name}.`); }
          catch (e) { setResult('error', `${f.name}: ${e.message}`); }
          load();
        }
        function row(f) {
          const actions = cs.el('td', { class: 'actions' },
            cs.el('a', { class: 'button download', href: `/api/files/${f.id}/content`, download: '' }, 'Download'), ' ',
            cs.el('button', { class: 'danger delete', type: 'button', onclick: () => remove(f) }, 'Delete'));
          return cs.el('tr', { 'data-file': f.id },
            cs.el('td', {}, cs.el('a', { class: 'name', href: `/files/${f.id}` }, f.name)),
            cs.el('td', { class: 'muted' }, f.contentType),
            cs.el('td', { title: `${f.size} bytes` }, cs.size(f.size)),
            cs.el('td', {}, new Date(f.uploadedAt).toLocaleString()),
            actions);
        }
        async function load() {
          const files = await cs.api('GET', '/api/files');
          document.querySelector('#files tbody').replaceChildren(...files.map(row));
          document.getElementById('empty').hidden = files.length > 0;
        }
        form.addEventListener('submit', async e => {
          e.preventDefault();
          const files = [...document.getElementById('file').files];
          if (files.length === 0) return;
          const bar = document.getElementById('upload-progress'), pct = document.getElementById('upload-percent');
          const button = document.getElementById('upload-button');
          button.disabled = true;
          document.getElementById('upload-progress-row').hidden = false;
          const done = [], failed = [];
          for (const file of files) {
            document.getElementById('upload-name').textContent = `Uploading ${file.name} (${cs.size(file.size)})…`;
            bar.value = 0; pct.textContent = '0%';
            if (file.size > maxBytes) { failed.push(`${file.name}: larger than ${cs.size(maxBytes)}`); continue; }
            try {
              await cs.upload('/api/files', 'file', file, p => { bar.value = p; pct.textContent = p + '%'; });
              done.push(file.name);
            } catch (err) { failed.push(`${file.name}: ${err.message}`); }
          }
          document.getElementById('upload-progress-row').hidden = true;
          button.disabled = false;
          form.reset();
          if (failed.length) setResult('error', `Upload refused: ${failed.join('; ')}`);
          else setResult('ok', `Uploaded ${done.join(', ')}.`);
          load();
        });
        load();
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

    private const string DetailScript = """
        const id = document.getElementById('file').dataset.fileId;
        const at = document.getElementById('uploaded-at');
        at.textContent = new Date(at.getAttribute('datetime')).toLocaleString();
        document.getElementById('delete').addEventListener('click', async () => {
          const name = document.getElementById('name').textContent;
          if (!confirm(`Delete ${name}?`)) return;
          const out = document.getElementById('action-result');
          try { await cs.api('DELETE', `/api/files/${id}`); location.href = '/files'; }
          catch (e) { out.className = 'error'; out.textContent = e.message; }
        });
        """;

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
