// Shared helpers for CloudService's pages. Everything user-provided is set with textContent, never innerHTML.
window.cs = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

  // The error thrown for a failed request: its message is the problem's detail, and `problem` the whole
  // problem details object (a 422's `errors` by field, for example).
  async function failure(res) {
    let p = null;
    try { p = await res.json(); } catch { /* not JSON */ }
    const e = new Error(p?.detail || p?.title || `HTTP ${res.status}`);
    e.problem = p;
    return e;
  }

  async function api(method, url, body) {
    const headers = { 'X-CSRF-TOKEN': csrf(), 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) { location.href = '/login?returnUrl=' + encodeURIComponent(location.pathname); throw new Error('Signed out'); }
    if (!res.ok) throw await failure(res);
    if (res.status === 204) return null;
    const type = res.headers.get('content-type') || '';
    return type.includes('json') ? res.json() : res.text();
  }

  // XMLHttpRequest because fetch() cannot report upload progress.
  function upload(url, field, file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('X-CSRF-TOKEN', csrf());
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress(Math.round(100 * e.loaded / e.total)); };
      xhr.onload = () => {
        let json = null;
        try { json = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) { onProgress(100); resolve(json); }
        else reject(new Error(json?.detail || json?.title || `HTTP ${xhr.status}`));
      };
      xhr.onerror = () => reject(new Error('The upload failed: the connection was lost.'));
      const form = new FormData();
      form.append(field, file);
      xhr.send(form);
    });
  }

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
    return e;
  }

  const row = cells => el('tr', {}, ...cells.map(c => el('td', {}, c)));

  function size(n) {
    if (n < 1024) return `${n} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
    return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
  }

  return { api, upload, el, row, size, csrf };
})();
