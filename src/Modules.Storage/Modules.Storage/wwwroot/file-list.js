// The user's file list (/files): uploads with progress, one file after another, and the list without a reload.
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
