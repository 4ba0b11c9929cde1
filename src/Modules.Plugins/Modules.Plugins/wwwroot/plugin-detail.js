// One plugin's page (/admin/plugins/{id}): status, manifest, versions and audit log, live while it validates.
const id = document.getElementById('plugin').dataset.pluginId;
const base = `/api/admin/plugins/${encodeURIComponent(id)}`;
let stream = null;
let settingsShown = null;
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
    dl.replaceChildren(...['id', 'name', 'version', 'author', 'description', 'entryAssembly', 'sdkVersion', 'mimeTypes', 'capabilities', 'homepage']
      .flatMap(k => [cs.el('dt', {}, k), cs.el('dd', { 'data-field': k }, value(m[k]))]));
  }
  // The form is built once per schema (it would lose what the admin is typing on every refresh).
  const schema = p.settingsSchema ? JSON.stringify(p.settingsSchema) : null;
  const card = document.getElementById('settings-card');
  card.hidden = !schema;
  if (schema && schema !== settingsShown) {
    settingsShown = schema;
    csSettingsForm.mount(card, base, p.settingsSchema).catch(e => show('error', e.message));
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
