// The admin's plugin list (/admin/plugins): data from the admin API, live validation progress from its server-sent events.
const streams = new Map();
// Natural order by the name the list shows: "Hostile 2" before "Hostile 15", case and accents aside.
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const shownName = p => p.name || p.pluginId;
// A plugin whose package failed validation stays in the list for its audit log but is folded away until
// asked for. A failed activation ("Activating … failed") is not an upload failure: it stays in view.
const isFailedUpload = p => p.status === 'failed' && !(p.error || '').startsWith('Activating');
let showFailed = false;
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
function showFilter(failed) {
  document.getElementById('failed-filter').hidden = failed === 0;
  document.getElementById('failed-count').textContent =
    `${failed} failed upload${failed === 1 ? '' : 's'} ${showFailed ? 'shown' : 'hidden'}.`;
  const toggle = document.getElementById('toggle-failed');
  toggle.textContent = showFailed ? 'Hide them' : 'Show them';
  toggle.setAttribute('aria-pressed', String(showFailed));
}
document.getElementById('toggle-failed').addEventListener('click', () => { showFailed = !showFailed; load(); });
async function load() {
  const plugins = (await cs.api('GET', '/api/admin/plugins'))
    .sort((a, b) => byName.compare(shownName(a), shownName(b)) || byName.compare(a.pluginId, b.pluginId));
  const failed = plugins.filter(isFailedUpload).length;
  document.querySelector('#plugins tbody').replaceChildren(...plugins.filter(p => showFailed || !isFailedUpload(p)).map(row));
  document.getElementById('empty').hidden = plugins.length > 0;
  showFilter(failed);
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
