// A form generated from a plugin's settings schema (JSON Schema, API.md "Settings"): objects become
// fieldsets, arrays lists with Add/Remove, enums selects (or checkboxes for an array of enums),
// writeOnly strings password fields that show "unchanged" while a secret is stored. Every field carries
// the JSON Pointer of its value, so the server's 422 errors land beside the field they are about.
// The server checks everything again; the form only shapes what it sends.
window.csSettingsForm = (() => {
  const MASK = '********';
  const esc = s => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  const typeOf = s => Array.isArray(s?.type) ? s.type.find(t => t !== 'null') : s?.type;

  function field(label, pointer, control, schema) {
    const box = cs.el('div', { class: 'field', dataset: { pointer } });
    const id = 'f' + pointer.replace(/[^A-Za-z0-9]/g, '_');
    control.id = id;
    box.append(cs.el('label', { for: id }, label));
    box.append(control);
    if (schema.description) box.append(cs.el('small', { class: 'muted' }, schema.description));
    box.append(cs.el('ul', { class: 'errors field-errors' }));
    return box;
  }

  // Returns { node, read() } for one schema at one pointer; read() gives the value or undefined (unset).
  function build(schema, value, pointer, label, required) {
    const type = typeOf(schema);
    if (type === 'object' && schema.properties) {
      const set = cs.el('fieldset', { dataset: { pointer } });
      if (label !== null) set.append(cs.el('legend', {}, schema.title || label));
      const req = new Set(schema.required || []);
      const parts = Object.entries(schema.properties).map(([k, s]) => {
        const part = build(s, value?.[k], `${pointer}/${esc(k)}`, s.title || k, req.has(k));
        set.append(part.node);
        return [k, part];
      });
      set.append(cs.el('ul', { class: 'errors field-errors' }));
      return { node: set, read: () => {
        const out = {};
        for (const [k, p] of parts) { const v = p.read(); if (v !== undefined) out[k] = v; }
        return out;
      } };
    }
    if (type === 'array' && schema.items?.enum) {
      const chosen = new Set(Array.isArray(value) ? value : []);
      const boxes = schema.items.enum.map(option => cs.el('input', { type: 'checkbox', value: option, ...(chosen.has(option) ? { checked: '' } : {}) }));
      const group = cs.el('div', { class: 'choices' }, ...boxes.map(b => cs.el('label', { class: 'inline' }, b, ' ', b.value)));
      return { node: field(label, pointer, group, schema), read: () => boxes.filter(b => b.checked).map(b => b.value) };
    }
    if (type === 'array' && schema.items) {
      const list = cs.el('div', { class: 'items' });
      const items = [];
      const add = v => {
        const index = items.length;
        const part = build(schema.items, v, `${pointer}/${index}`, `${label} ${index + 1}`, true);
        const entry = cs.el('div', { class: 'item' }, part.node);
        const remove = cs.el('button', { type: 'button', class: 'secondary', onclick: () => { entry.remove(); items.splice(items.indexOf(item), 1); renumber(); } }, 'Remove');
        entry.append(remove);
        const item = { entry, part };
        items.push(item);
        list.append(entry);
      };
      // Pointers follow positions: after a removal the next save would report errors by the new ones.
      const renumber = () => items.forEach((it, i) => it.entry.querySelectorAll('[data-pointer]').forEach(n => {
        n.dataset.pointer = n.dataset.pointer.replace(new RegExp(`^${pointer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\d+`), `${pointer}/${i}`);
      }));
      (Array.isArray(value) ? value : []).forEach(add);
      const set = cs.el('fieldset', { dataset: { pointer } }, cs.el('legend', {}, schema.title || label), list,
        cs.el('button', { type: 'button', class: 'secondary', onclick: () => add(undefined) }, `Add ${schema.items.title || 'entry'}`),
        cs.el('ul', { class: 'errors field-errors' }));
      return { node: set, read: () => items.map(it => it.part.read() ?? null) };
    }
    if (schema.enum) {
      const select = cs.el('select', {}, ...(required ? [] : [cs.el('option', { value: '' }, '—')]),
        ...schema.enum.map(o => cs.el('option', { value: JSON.stringify(o), ...(JSON.stringify(o) === JSON.stringify(value) ? { selected: '' } : {}) }, String(o))));
      return { node: field(label, pointer, select, schema), read: () => select.value === '' ? undefined : JSON.parse(select.value) };
    }
    if (type === 'boolean') {
      const box = cs.el('input', { type: 'checkbox', ...(value === true ? { checked: '' } : {}) });
      return { node: field(label, pointer, box, schema), read: () => box.checked };
    }
    if (type === 'integer' || type === 'number') {
      const input = cs.el('input', { type: 'number', step: type === 'integer' ? '1' : 'any' });
      if (schema.minimum !== undefined) input.min = schema.minimum;
      if (schema.maximum !== undefined) input.max = schema.maximum;
      if (typeof value === 'number') input.value = value;
      return { node: field(label, pointer, input, schema), read: () => input.value.trim() === '' ? undefined : Number(input.value) };
    }
    const secret = schema.writeOnly === true;
    const input = cs.el('input', { type: secret ? 'password' : schema.format === 'uri' ? 'url' : 'text', autocomplete: secret ? 'new-password' : 'off' });
    if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
    if (secret && value === MASK) input.placeholder = 'unchanged (type to replace)';
    else if (typeof value === 'string') input.value = value;
    return { node: field(label, pointer, input, schema), read: () => {
      if (secret && input.value === '' && value === MASK) return MASK; // keeps the stored secret
      return input.value === '' ? undefined : input.value;
    } };
  }

  function showErrors(form, errors) {
    form.querySelectorAll('.field-errors').forEach(ul => ul.replaceChildren());
    const rest = [];
    for (const [pointer, messages] of Object.entries(errors || {})) {
      const target = [...form.querySelectorAll('[data-pointer]')].find(n => n.dataset.pointer === pointer);
      const ul = target?.querySelector(':scope > .field-errors');
      if (ul) ul.replaceChildren(...messages.map(m => cs.el('li', {}, m)));
      else rest.push(...messages.map(m => `${pointer || '(settings)'}: ${m}`));
    }
    return rest;
  }

  // Renders the form for the plugin at `base` into `card`, with what is saved now. The status line
  // outlives the form: a save builds the form again from the saved values, and says so below it.
  async function mount(card, base, schema) {
    const values = await cs.api('GET', `${base}/settings`);
    const root = build(schema, values, '', null, true);
    let result = card.querySelector('#settings-result');
    if (!result) { result = cs.el('p', { id: 'settings-result', role: 'status' }); card.append(result); }
    const general = cs.el('ul', { class: 'errors' });
    const form = cs.el('form', { id: 'settings-form', novalidate: '' }, root.node, general,
      cs.el('button', { type: 'submit', id: 'save-settings' }, 'Save settings'));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      result.className = ''; result.textContent = 'Saving…';
      try {
        await cs.api('PUT', `${base}/settings`, root.read());
        showErrors(form, {});
        general.replaceChildren();
        result.className = 'ok'; result.textContent = 'Saved. Active instances use the new values within seconds.';
        mount(card, base, schema);
      } catch (e) {
        const rest = showErrors(form, e.problem?.errors);
        general.replaceChildren(...rest.map(m => cs.el('li', {}, m)));
        result.className = 'error';
        result.textContent = e.problem?.errors ? 'Nothing was saved: correct the marked values.' : e.message;
      }
    });
    const old = card.querySelector('#settings-form');
    if (old) old.replaceWith(form); else card.insertBefore(form, result);
  }

  return { mount };
})();
