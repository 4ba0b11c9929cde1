// One file's page (/files/{id}): local time and the delete button; the preview frame needs no script.
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
