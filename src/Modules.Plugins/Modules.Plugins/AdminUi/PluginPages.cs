using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudService.Modules.Plugins.AdminUi;

/// <summary>
/// The admin's plugin pages. They are thin shells: the data comes from the admin API, and live
/// progress from its server-sent events, so the page never needs a reload.
/// </summary>
internal static class PluginPages
{
    public static void MapPluginsPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/plugins", (HttpContext http) => Page.Render(http, "Plugins", ListBody, ListScript))
            .RequireAuthorization(Roles.AdminPolicy).ExcludeFromDescription();
        app.MapGet("/admin/plugins/{pluginId}", (HttpContext http, string pluginId) =>
                Page.Render(http, $"Plugin {pluginId}", DetailBody(pluginId), DetailScript))
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
          <p class="muted">Background jobs: <a href="/hangfire">Hangfire dashboard</a></p>
        </section>
        <section class="card" id="rejected-card" hidden>
          <h2>Refused uploads</h2>
          <table id="rejected"><thead><tr><th>When</th><th>By</th><th>File</th><th>Why</th></tr></thead><tbody></tbody></table>
        </section>
        """;

    private const string ListScript = """
        const streams = new Map();
        // The package this page just uploaded: its outcome replaces the "validating…" message.
        let uploaded = null;
        function badge(status) { return cs.el('span', { class: 'badge ' + status, 'data-testid': 'status' }, status); }
        function progressCell(p) {
          // Only while a package is on its way; a final state says it all in the status badge.
          if (!p || (p.status !== 'uploaded' && p.status !== 'validating')) return '';
          const pr = p.progress || { stage: 'received', percent: 0 };
          return cs.el('span', { class: 'progress-cell' }, cs.el('progress', { max: 100, value: pr.percent }), ' ', `${pr.stage} ${pr.percent}%`);
        }
        async function act(id, action) {
          try {
            if (action === 'delete') {
              if (!confirm(`Delete plugin ${id} and all its versions?`)) return;
              await cs.api('DELETE', `/api/admin/plugins/${encodeURIComponent(id)}`);
              setResult('ok', `Deleted ${id}.`);
            } else {
              const r = await cs.api('POST', `/api/admin/plugins/${encodeURIComponent(id)}/${action}`);
              setResult('ok', action === 'activate' ? `Activated ${id} ${r.version}.` : `Deactivated ${id}.`);
            }
          } catch (e) { setResult('error', `${id}: ${e.message}`); }
          load();
        }
        function setResult(cls, text) { const r = document.getElementById('upload-result'); r.className = cls; r.textContent = text; }
        function nowrap(tr, ...cells) { for (const i of cells) tr.cells[i].classList.add('nowrap'); return tr; }
        function row(p) {
          const actions = cs.el('td', { class: 'actions' });
          const canActivate = ['ready', 'inactive', 'failed'].includes(p.status) && p.status !== 'failed' || (p.status === 'failed' && p.activeVersion === null && p.error && p.error.startsWith('Activating'));
          actions.append(
            cs.el('button', { class: 'activate', onclick: () => act(p.pluginId, 'activate'), ...(canActivate ? {} : { disabled: '' }) }, 'Activate'),
            cs.el('button', { class: 'secondary deactivate', onclick: () => act(p.pluginId, 'deactivate'), ...(p.status === 'active' ? {} : { disabled: '' }) }, 'Deactivate'),
            cs.el('button', { class: 'danger delete', onclick: () => act(p.pluginId, 'delete'), ...(p.status === 'active' ? { disabled: '' } : {}) }, 'Delete'));
          const name = cs.el('td', {}, cs.el('a', { href: `/admin/plugins/${encodeURIComponent(p.pluginId)}` }, p.name || p.pluginId), cs.el('div', { class: 'muted' }, p.pluginId));
          if (p.error) name.append(cs.el('div', { class: 'error clamp', title: p.error }, p.error));
          return cs.el('tr', { 'data-plugin': p.pluginId }, name, cs.el('td', {}, p.version), cs.el('td', {}, p.author || ''),
            cs.el('td', {}, badge(p.status)), cs.el('td', { class: 'progress' }, progressCell(p)), actions);
        }
        function follow(id) {
          if (streams.has(id)) return;
          const es = new EventSource(`/api/admin/plugins/${encodeURIComponent(id)}/progress`);
          streams.set(id, es);
          const update = ev => {
            const d = JSON.parse(ev.data);
            const tr = document.querySelector(`tr[data-plugin="${CSS.escape(id)}"]`);
            if (tr) {
              tr.querySelector('[data-testid=status]').replaceWith(badge(d.status));
              tr.querySelector('td.progress').replaceChildren(progressCell(d));
            }
          };
          es.addEventListener('progress', update);
          es.addEventListener('done', ev => {
            update(ev); es.close(); streams.delete(id); load();
            if (uploaded && uploaded.pluginId === id) {
              const d = JSON.parse(ev.data);
              if (d.status === 'failed') setResult('error', `${id} ${uploaded.version} failed validation: ${d.error || (d.errors || []).join(' ')}`);
              else setResult('ok', `${id} ${uploaded.version} is valid and ready to activate.`);
              uploaded = null;
            }
          });
          es.addEventListener('gone', () => { es.close(); streams.delete(id); load(); });
          es.onerror = () => { es.close(); streams.delete(id); setTimeout(load, 1000); };
        }
        async function load() {
          const plugins = await cs.api('GET', '/api/admin/plugins');
          document.querySelector('#plugins tbody').replaceChildren(...plugins.map(row));
          document.getElementById('empty').hidden = plugins.length > 0;
          for (const p of plugins) if (p.status === 'uploaded' || p.status === 'validating') follow(p.pluginId);
          const rejected = await cs.api('GET', '/api/admin/plugins/rejected');
          document.getElementById('rejected-card').hidden = rejected.length === 0;
          document.querySelector('#rejected tbody').replaceChildren(...rejected.map(r =>
            nowrap(cs.row([new Date(r.at).toLocaleString(), r.by, r.fileName, r.errors.join(' ')]), 0)));
        }
        document.getElementById('upload-form').addEventListener('submit', async e => {
          e.preventDefault();
          const file = document.getElementById('package').files[0];
          if (!file) return;
          const bar = document.getElementById('upload-progress'), pct = document.getElementById('upload-percent');
          document.getElementById('upload-progress-row').hidden = false;
          document.getElementById('upload-button').disabled = true;
          setResult('', `Uploading ${file.name}…`);
          try {
            const r = await cs.upload('/api/admin/plugins', 'package', file, p => { bar.value = p; pct.textContent = p + '%'; });
            uploaded = r;
            setResult('ok', `Uploaded ${r.pluginId} ${r.version}; validating…`);
            e.target.reset();
            await load();
            follow(r.pluginId);
          } catch (err) { setResult('error', `Upload refused: ${err.message}`); load(); }
          finally {
            document.getElementById('upload-progress-row').hidden = true;
            document.getElementById('upload-button').disabled = false;
          }
        });
        load();
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
        <section class="card"><h2>Versions</h2>
          <table id="versions"><thead><tr><th>Version</th><th>Status</th><th>Uploaded</th><th>By</th><th>Size</th><th></th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card"><h2>Audit log</h2>
          <table id="log"><thead><tr><th>When</th><th>Event</th><th>By</th><th>Version</th><th>Detail</th></tr></thead><tbody></tbody></table>
        </section>
        """;

    private const string DetailScript = """
        const id = document.getElementById('plugin').dataset.pluginId;
        const base = `/api/admin/plugins/${encodeURIComponent(id)}`;
        let stream = null;
        function show(cls, text) { const r = document.getElementById('action-result'); r.className = cls; r.textContent = text; }
        function nowrap(tr, ...cells) { for (const i of cells) tr.cells[i].classList.add('nowrap'); return tr; }
        async function act(action, version) {
          try {
            if (action === 'delete') {
              if (!confirm(`Delete plugin ${id}?`)) return;
              await cs.api('DELETE', base); location.href = '/admin/plugins'; return;
            }
            const r = await cs.api('POST', `${base}/${action}${version ? '?version=' + encodeURIComponent(version) : ''}`);
            show('ok', action === 'activate' ? `Activated ${r.version}.` : 'Deactivated.');
          } catch (e) { show('error', e.message); }
          load();
        }
        document.getElementById('activate').onclick = () => act('activate');
        document.getElementById('deactivate').onclick = () => act('deactivate');
        document.getElementById('delete').onclick = () => act('delete');
        function render(p) {
          document.getElementById('title').textContent = `${p.name || p.pluginId} ${p.version}`;
          const st = document.getElementById('status'); st.className = 'badge ' + p.status; st.textContent = p.status;
          const bar = document.getElementById('progress');
          const busy = p.status === 'uploaded' || p.status === 'validating';
          bar.hidden = !busy; bar.value = p.progress?.percent ?? 0;
          document.getElementById('progress-text').textContent = busy ? `${p.progress.stage} ${p.progress.percent}%` : '';
          document.getElementById('activate').disabled = busy || p.status === 'active' || !(p.versions || []).some(v => v.status === 'ready');
          document.getElementById('deactivate').disabled = p.status !== 'active';
          document.getElementById('delete').disabled = p.status === 'active';
          const errs = [...(p.errors || [])]; if (p.error && !errs.includes(p.error)) errs.push(p.error);
          document.getElementById('errors').replaceChildren(...errs.map(e => cs.el('li', {}, e)));
        }
        async function load() {
          let p;
          try { p = await cs.api('GET', base); } catch (e) { show('error', e.message); return; }
          render(p);
          const m = p.manifest;
          const dl = document.getElementById('manifest');
          if (!m) {
            const busy = p.status === 'uploaded' || p.status === 'validating';
            dl.replaceChildren(cs.el('dd', { class: 'muted' }, busy ? 'Shown once the package is validated.' : 'The package has no readable plugin.json.'));
          } else {
            const value = v => Array.isArray(v) ? (v.length ? v.join(', ') : '—') : (v === null || v === undefined || v === '' ? '—' : v);
            dl.replaceChildren(...['id', 'name', 'version', 'author', 'description', 'entryAssembly', 'sdkVersion', 'mimeTypes', 'homepage']
              .flatMap(k => [cs.el('dt', {}, k), cs.el('dd', { 'data-field': k }, value(m[k]))]));
          }
          document.querySelector('#versions tbody').replaceChildren(...p.versions.map(v => {
            const tr = nowrap(cs.row([v.version, v.status, new Date(v.uploadedAt).toLocaleString(), v.uploadedBy, cs.size(v.size), '']), 2);
            if (v.status === 'ready' && p.activeVersion !== v.version)
              tr.lastChild.append(cs.el('button', { class: 'secondary', onclick: () => act('activate', v.version) }, `Activate ${v.version}`));
            return tr;
          }));
          const log = await cs.api('GET', `${base}/log`);
          document.querySelector('#log tbody').replaceChildren(...log.map(e => {
            const tr = nowrap(cs.row([new Date(e.at).toLocaleString(), e.type, e.by, e.version, e.detail]), 0, 1);
            tr.dataset.type = e.type; return tr;
          }));
          if ((p.status === 'uploaded' || p.status === 'validating') && !stream) {
            stream = new EventSource(`${base}/progress`);
            stream.addEventListener('progress', ev => render({ ...p, ...JSON.parse(ev.data) }));
            stream.addEventListener('done', () => { stream.close(); stream = null; load(); });
            stream.onerror = () => { stream.close(); stream = null; setTimeout(load, 1000); };
          }
        }
        load();
        """;
}
