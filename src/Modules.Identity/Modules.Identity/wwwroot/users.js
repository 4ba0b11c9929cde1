// The admin's user page (/admin/users): list users with their status; create, unlock, disable, enable.
function act(label, url) {
  return cs.el('button', { type: 'button', class: 'link', onclick: async () => {
    const out = document.getElementById('users-result');
    try { await cs.api('POST', url); out.className = 'ok'; out.textContent = 'Done.'; loadUsers(); }
    catch (err) { out.className = 'error'; out.textContent = err.message; }
  } }, label);
}
async function loadUsers() {
  const users = await cs.api('GET', '/api/admin/users');
  const body = document.querySelector('#users tbody');
  body.replaceChildren(...users.map(u => {
    const status = u.disabled ? 'disabled' : u.lockedUntil ? `locked until ${new Date(u.lockedUntil).toLocaleTimeString()}` : 'active';
    const actions = cs.el('span', {},
      ...(u.lockedUntil ? [act('Unlock', `/api/admin/users/${u.id}/unlock`)] : []),
      u.disabled ? act('Enable', `/api/admin/users/${u.id}/enable`) : act('Disable', `/api/admin/users/${u.id}/disable`));
    const tr = cs.row([u.userName, u.role, new Date(u.createdAt).toLocaleString(), status, actions]);
    tr.dataset.user = u.userName;
    return tr;
  }));
}
document.getElementById('create-user').addEventListener('submit', async e => {
  e.preventDefault();
  const f = new FormData(e.target);
  const out = document.getElementById('create-user-result');
  try {
    await cs.api('POST', '/api/admin/users', { userName: f.get('userName'), password: f.get('password'), role: f.get('role') });
    out.className = 'ok'; out.textContent = `Created ${f.get('userName')}.`; e.target.reset(); loadUsers();
  } catch (err) { out.className = 'error'; out.textContent = err.message; }
});
loadUsers();
