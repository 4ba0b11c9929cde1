// The admin's user page (/admin/users): list and create users.
async function loadUsers() {
  const users = await cs.api('GET', '/api/admin/users');
  const body = document.querySelector('#users tbody');
  body.replaceChildren(...users.map(u => cs.row([u.userName, u.role, new Date(u.createdAt).toLocaleString()])));
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
