// What the Experiments page's forms share (pages/experiments.js): a configuration editor
// (temperature, top_p, other parameters as JSON, a system prompt), refusals in words next
// to the field they concern, and what the providers' rules would change in a configuration,
// said before it is sent.
import { api, ApiError } from '../api.js';
import { plain } from '../errors.js';
import { el, field } from '../ui.js';

/** A refusal found before sending, in the API's shape, so it lands by its field. */
export const refuse = (path, message) => new ApiError(400, `invalid_${path}`, `${path}: ${message}`);

/** The field a refusal is about, in full: a message starts with its path ("baseline.params:
 *  …", "name: …" also for a 409), a code keeps only its first part. */
function pathOf(error) {
  const m = /^([\w.[\]]+): /.exec((error && error.message) || '');
  if (m && (error instanceof ApiError)) return m[1];
  return error instanceof ApiError ? error.field : null;
}

/** A labelled control (ui.js field) with a hint it is described by. */
export function control(label, name, attributes = {}, hint = null) {
  const wrap = field(label, name, attributes);
  const input = wrap.querySelector('input, select, textarea');
  if (hint) {
    input.after(el('p', { class: 'note hint', id: `${input.id}-hint`, text: hint }));
    input.setAttribute('aria-describedby', `${input.id}-hint ${input.getAttribute('aria-describedby')}`);
  }
  return wrap;
}

/** Typing in a control marked refused takes its mark and its words away. */
export function clearOnInput(form) {
  form.addEventListener('input', (e) => {
    const c = e.target;
    if (c.getAttribute('aria-invalid') !== 'true') return;
    c.removeAttribute('aria-invalid');
    for (const id of (c.getAttribute('aria-describedby') || '').split(' ')) {
      const slot = id && document.getElementById(id);
      if (slot && slot.matches('.error')) slot.textContent = '';
    }
    // A refusal of a whole configuration is said under its fieldset.
    const whole = c.closest('fieldset')?.querySelector(':scope > p.error');
    if (whole) whole.textContent = '';
  });
  return form;
}

export function clearRefusals(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** A refusal in words next to its field (the nearest slot up its path: baseline.params →
 *  baseline), which is marked and focused; else in the form's own slot. `aliases` maps the
 *  API's paths to this form's (an eval's "params" is the "config" editor here). `words`
 *  maps an error code to a sentence (a duplicate name). */
export function showRefusal(form, error, { aliases = {}, words = {} } = {}) {
  clearRefusals(form);
  let path = pathOf(error);
  const said = plain(error);
  let message = (error && words[error.code]) || said.message;
  const detail = words[error && error.code] ? `${error.code}: ${error.message}` : said.detail;
  // Beside its field, the field's own name in front of the API's words says nothing more.
  if (path && message.startsWith(`${path}: `)) {
    const rest = message.slice(path.length + 2);
    message = `${rest.charAt(0).toUpperCase()}${rest.slice(1)}${/[.!?]$/.test(rest) ? '' : '.'}`;
  }
  if (path) {
    const head = path.split(/[.[]/)[0];
    if (aliases[head]) path = aliases[head] + path.slice(head.length);
  }
  let slot = null;
  for (let p = path; p && !slot; p = /[.[]/.test(p) ? p.slice(0, Math.max(p.lastIndexOf('.'), p.lastIndexOf('['))) : null) {
    slot = form.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
  }
  slot = slot || form.querySelector('[data-error-for="form"]');
  slot.textContent = message;
  if (detail) slot.append(el('span', { class: 'detail', text: detail }));
  slot.closest('details')?.setAttribute('open', '');
  const target = (slot.id && form.querySelector(`[aria-describedby~="${CSS.escape(slot.id)}"]`)) || slot.closest('fieldset')?.querySelector('input, select, textarea');
  if (target) { target.setAttribute('aria-invalid', 'true'); target.focus(); } else slot.scrollIntoView({ block: 'nearest' });
}

/** An editor of one configuration: temperature and top_p, any other parameter as JSON, a
 *  system prompt. `prefix` names its fields (baseline.temperature, …) and its error slot
 *  (baseline), where the API's refusals of the whole configuration land. */
let editors = 0;
export function configEditor(prefix, { legend, note, values = {}, promptHint = 'Empty: the suite’s own.' } = {}) {
  const name = (n) => `${prefix}.${n}`;
  const errorId = `${prefix.replace(/\W/g, '-')}-${++editors}-error`;
  const other = control('Other parameters (JSON object)', name('other'), { tag: 'textarea', rows: 2, spellcheck: 'false', placeholder: '{"top_k": 40}' },
    'Any parameter the provider takes, e.g. {"top_k": 40, "seed": 7}.');
  const prompt = control('System prompt', name('system_prompt'), { tag: 'textarea', rows: 2 }, promptHint);
  const node = el('fieldset', { class: 'config-editor' }, el('legend', { text: legend }),
    note ? el('p', { class: 'note', text: note }) : null,
    el('div', { class: 'row' },
      control('Temperature', name('temperature'), { inputmode: 'decimal', autocomplete: 'off', value: values.temperature ?? '' }),
      control('top_p', name('top_p'), { inputmode: 'decimal', autocomplete: 'off', value: values.top_p ?? '' })),
    el('details', {}, el('summary', { text: 'Other parameters and a system prompt' }), other, prompt),
    el('p', { class: 'error', id: errorId, 'data-error-for': prefix }));
  const input = (n) => node.querySelector(`[name="${CSS.escape(name(n))}"]`);

  /** {params, system_prompt?}; throws a refusal naming the field. */
  function value() {
    const params = {};
    const extra = input('other').value.trim();
    if (extra) {
      let parsed;
      try { parsed = JSON.parse(extra); } catch { throw refuse(name('other'), 'this is not valid JSON. Write an object with keys in double quotes, e.g. {"top_k": 40}.'); }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw refuse(name('other'), 'write a JSON object in braces, e.g. {"top_k": 40}.');
      Object.assign(params, parsed);
    }
    for (const n of ['temperature', 'top_p']) {
      const text = input(n).value.trim();
      if (text === '') continue;
      const number = Number(text.replace(',', '.'));
      if (!Number.isFinite(number)) throw refuse(name(n), `“${text}” is not a number.`);
      params[n] = number;
    }
    const body = { params };
    if (input('system_prompt').value.trim()) body.system_prompt = input('system_prompt').value;
    return body;
  }
  /** The same as one flat configuration (a profile's shape). */
  function flat() {
    const { params, system_prompt: systemPrompt } = value();
    return systemPrompt === undefined ? params : { ...params, system_prompt: systemPrompt };
  }
  return { node, value, flat, input };
}

/** What each model's provider rules would do to `params` ("top_k dropped: OpenAI does not
 *  accept top_k"), from /api/params/validate; [] when nothing would change. `models`:
 *  [{plugin, preset, model, label}]. Refusals are left to the submit, which names them. */
export async function adjustmentLines(models, params) {
  if (!Object.keys(params).length) return [];
  const lines = await Promise.all(models.map(async (m) => {
    try {
      const check = await api('POST', '/api/params/validate', { plugin_id: m.plugin, preset: m.preset || null, model: m.model, params });
      const said = check.adjustments.map((a) => (a.action === 'dropped'
        ? `${m.label}: ${a.param} would not be sent (${a.reason}).`
        : `${m.label}: ${a.param} ${JSON.stringify(a.original)} would be ${a.action} to ${JSON.stringify(a.adjusted)} (${a.reason}).`));
      for (const w of check.warnings || []) if (/passed through/.test(w)) said.push(`${m.label}: ${w}.`);
      return said;
    } catch { return []; }
  }));
  return lines.flat();
}
