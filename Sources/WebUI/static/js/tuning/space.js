// The search-space editor of the Tuning page: one row per parameter, each either a range
// (min, max, an optional step, whole numbers or not) or a list of values. It turns the rows
// into the API's `space` (docs/tuning.md, "Search spaces") and puts a refusal naming
// `space.<parameter>[.min|.max|.step|.values]` next to that row's field.
import { ApiError } from '../api.js';
import { el } from '../ui.js';

/** Names offered as the user types (any provider parameter is allowed). */
const KNOWN = [
  ['temperature', 'sampling temperature'], ['top_p', 'nucleus sampling'], ['top_k', 'top-k sampling (whole numbers)'],
  ['tool_choice', 'auto, required or none'], ['system_prompt', 'system prompts to try'],
  ['frequency_penalty', ''], ['presence_penalty', ''], ['seed', ''],
];

/** What a new row of a known name starts with. */
const PRESETS = {
  temperature: { kind: 'range', min: '0', max: '1.5', step: '0.05' },
  top_p: { kind: 'range', min: '0.5', max: '1', step: '0.05' },
  top_k: { kind: 'range', min: '1', max: '100', step: '1', integer: true },
  tool_choice: { kind: 'values', values: 'auto, required' },
  system_prompt: { kind: 'values', values: 'Use the tools when they help.\nCall exactly one tool.' },
};

/** A refusal found before sending, worded for the row, in the API's shape. */
const refuse = (path, message) => new ApiError(400, `invalid_${path}`, `${path}: ${message}`);

/** "0.5, 1, auto, true" → [0.5, 1, "auto", true]; prompts are one a line, commas and all. */
function parseValues(text, name) {
  if (name === 'system_prompt') return text.split('\n').map((s) => s.trim()).filter(Boolean);
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    if (s === 'true' || s === 'false') return s === 'true';
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  });
}

let rowCounter = 0;

/** The editor. `space`: the API's shape to start from. Returns {node, value(), set(space),
 *  showError(path, message) → whether a row took it, clear()}. */
export function spaceEditor(space) {
  const rows = [];
  const list = el('div', { class: 'space-rows' });
  const listId = `space-names-${++rowCounter}`;
  const names = el('datalist', { id: listId }, KNOWN.map(([v, about]) => el('option', { value: v, label: about || null })));
  const slot = el('p', { class: 'error', id: `${listId}-error`, 'data-error-for': 'space' });
  const add = el('button', { type: 'button', class: 'secondary', text: 'Add a parameter', onclick: () => {
    const used = new Set(rows.map((r) => r.name.value.trim()));
    const next = ['top_k', 'tool_choice', 'system_prompt', 'temperature', 'top_p'].find((n) => !used.has(n)) || '';
    addRow(next, PRESETS[next] || { kind: 'range' });
    rows[rows.length - 1].name.select();
    rows[rows.length - 1].name.focus();
  } });

  function addRow(name, d) {
    const id = `sp${++rowCounter}`;
    const error = el('p', { class: 'error', id: `${id}-error`, role: 'alert' });
    const input = (label, key, attributes = {}, value = '') => {
      const control = el(attributes.tag || 'input', { id: `${id}-${key}`, name: `space.${key}`, 'aria-describedby': `${id}-error`, ...attributes, tag: null });
      control.value = value ?? '';
      return { control, wrap: el('div', { class: `space-${key}` }, el('label', { for: `${id}-${key}`, text: label }), control) };
    };
    const nameField = input('Parameter', 'name', { list: listId, autocomplete: 'off', spellcheck: 'false', required: true }, name);
    const kind = input('Kind', 'kind', { tag: 'select' });
    kind.control.append(el('option', { value: 'range', text: 'range' }), el('option', { value: 'values', text: 'list of values' }));
    kind.control.value = d.kind;
    const min = input('Min', 'min', { inputmode: 'decimal' }, d.min);
    const max = input('Max', 'max', { inputmode: 'decimal' }, d.max);
    const step = input('Step', 'step', { inputmode: 'decimal' }, d.step);
    const integer = el('div', { class: 'space-integer' }, el('input', { type: 'checkbox', id: `${id}-integer`, name: 'space.integer', checked: d.integer || null }),
      el('label', { for: `${id}-integer`, class: 'inline', text: ' Whole numbers' }));
    const values = input('', 'values', {}, d.values);
    const prompts = input('Prompts to try, one per line', 'prompts', { tag: 'textarea', rows: 3 }, d.values);
    const remove = el('button', { type: 'button', class: 'danger', text: 'Remove' });
    // One line per parameter on a wide screen: its name, its kind, then a range's fields or
    // the values (prompts take a box of their own below).
    const range = [min.wrap, max.wrap, step.wrap, integer];
    const node = el('div', { class: 'space-row', role: 'group' },
      el('div', { class: 'row' }, nameField.wrap, kind.wrap, ...range, values.wrap, el('div', { class: 'space-remove' }, remove)), prompts.wrap, error);
    const row = { id, node, error, name: nameField.control, kind: kind.control, min: min.control, max: max.control, step: step.control,
      integer: integer.querySelector('input'), values: values.control, prompts: prompts.control, range, valuesWrap: values.wrap, promptsWrap: prompts.wrap };

    // The row says what it is about, and shows the fields its kind needs (the others keep
    // their text, so switching back and forth loses nothing).
    const draw = () => {
      const n = row.name.value.trim();
      node.setAttribute('aria-label', `Parameter ${n || rows.indexOf(row) + 1}`);
      remove.setAttribute('aria-label', `Remove parameter ${n || rows.indexOf(row) + 1}`);
      const listed = row.kind.value === 'values';
      for (const part of range) part.hidden = listed;
      values.wrap.hidden = !listed || n === 'system_prompt';
      prompts.wrap.hidden = !listed || n !== 'system_prompt';
      values.wrap.querySelector('label').textContent = n === 'tool_choice' ? 'Values (comma separated: auto, required, none)' : 'Values (comma separated)';
    };
    // A known name typed into an empty row fills in its usual values.
    row.name.addEventListener('change', () => {
      const preset = PRESETS[row.name.value.trim()];
      const empty = !row.min.value && !row.max.value && !row.values.value && !row.prompts.value;
      if (preset && empty) {
        row.kind.value = preset.kind;
        for (const key of ['min', 'max', 'step']) row[key].value = preset[key] || '';
        row.integer.checked = Boolean(preset.integer);
        row[preset.kind === 'values' && row.name.value.trim() === 'system_prompt' ? 'prompts' : 'values'].value = preset.values || '';
      } else if (row.name.value.trim() === 'system_prompt') row.kind.value = 'values';
      draw();
    });
    row.name.addEventListener('input', draw);
    row.kind.addEventListener('change', draw);
    remove.addEventListener('click', () => {
      const at = rows.indexOf(row);
      rows.splice(at, 1);
      node.remove();
      // Focus goes where the user can carry on: the next row's name, or Add a parameter.
      (rows[at] || rows[at - 1] || { name: add }).name.focus();
    });
    rows.push(row);
    list.append(node);
    draw();
  }

  /** The rows as the API's `space`; throws a refusal naming the row's field. */
  function value() {
    const out = {};
    if (!rows.length) throw refuse('space', 'add at least one parameter to vary.');
    for (const [i, row] of rows.entries()) {
      const name = row.name.value.trim();
      if (!name) throw Object.assign(refuse(`space.#${i}`, 'name the parameter, e.g. temperature.'), { row });
      if (out[name]) throw Object.assign(refuse(`space.#${i}`, `${name} is listed twice: keep one row for it.`), { row });
      if (row.kind.value === 'values') {
        const values = parseValues(name === 'system_prompt' ? row.prompts.value : row.values.value, name);
        if (!values.length) throw refuse(`space.${name}.values`, name === 'system_prompt' ? 'write at least one prompt.' : 'give at least one value.');
        out[name] = { values };
        continue;
      }
      const number = (input, what) => {
        const text = input.value.trim();
        if (text === '' && what === 'step') return undefined;
        const n = Number(text);
        if (text === '' || !Number.isFinite(n)) throw refuse(`space.${name}.${what}`, text === '' ? 'give a number.' : `${text} is not a number.`);
        return n;
      };
      const dimension = { min: number(row.min, 'min'), max: number(row.max, 'max') };
      const step = number(row.step, 'step');
      if (step !== undefined) dimension.step = step;
      if (row.integer.checked) dimension.integer = true;
      out[name] = dimension;
    }
    return out;
  }

  function set(next) {
    rows.splice(0).forEach((r) => r.node.remove());
    for (const [name, d] of Object.entries(next || {})) {
      if (Array.isArray(d.values)) {
        const text = name === 'system_prompt' ? d.values.join('\n') : d.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
        addRow(name, { kind: 'values', values: text });
      } else addRow(name, { kind: 'range', min: String(d.min ?? ''), max: String(d.max ?? ''), step: d.step === undefined ? '' : String(d.step), integer: d.integer });
    }
  }

  function clear() {
    slot.textContent = '';
    for (const row of rows) {
      row.error.textContent = '';
      for (const c of [row.name, row.kind, row.min, row.max, row.step, row.values, row.prompts]) c.removeAttribute('aria-invalid');
    }
  }

  /** A refusal of `space.<name>[.<part>]` (or of row #i, found before sending) next to the
   *  row's field, which is marked and focused. False when no row is about it. */
  function showError(path, message, rowOf = null) {
    const [, name, part] = /^space\.([^.]+)(?:\.(\w+))?/.exec(path) || [];
    if (path === 'space') { slot.textContent = message; (rows[0] ? rows[0].name : add).focus(); return true; }
    const row = rowOf || rows.find((r) => r.name.value.trim() === name);
    if (!row) return false;
    // The slot is the row's, so it says which of the row's fields it is about.
    const field = { min: 'Min', max: 'Max', step: 'Step', values: 'Values' }[part];
    row.error.textContent = field ? `${field}: ${message.charAt(0).toLowerCase()}${message.slice(1)}` : message;
    const listed = row.kind.value === 'values';
    const input = { min: row.min, max: row.max, step: row.step, values: listed && !row.valuesWrap.hidden ? row.values : row.prompts }[part]
      || (rowOf ? row.name : listed ? (row.valuesWrap.hidden ? row.prompts : row.values) : row.min);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return true;
  }

  set(space);
  return { node: el('div', { class: 'space-editor' }, names, list, slot,
    el('p', { class: 'note hint', text: 'A range without a step lets TPE and random search pick any value between min and max; grid search needs a step.' }), add),
  value, set, showError, clear };
}
