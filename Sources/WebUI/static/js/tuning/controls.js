// Form pieces both tuning forms share (pages/tuning.js: parameters; tuning/prompt-form.js:
// the system prompt): labelled controls with a hint, checkboxes with theirs, refusals found
// before sending in the API's shape, and a refusal shown in words next to its field.
import { ApiError } from '../api.js';
import { plain } from '../errors.js';
import { el, field } from '../ui.js';

/** A refusal found before sending, in the API's shape, so it lands by its field. */
export const refuse = (path, message) => new ApiError(400, `invalid_${path}`, `${path}: ${message}`);

/** The field a refusal is about, in full. A 422's code keeps only the first part
 *  (invalid_budget) while its message starts with the whole path (budget.max_calls: …). */
export function pathOf(error) {
  if (!(error instanceof ApiError) || !error.field) return null;
  const m = /^([\w.#[\]]+): /.exec(error.message || '');
  return m && (m[1] === error.field || m[1].startsWith(`${error.field}.`)) ? m[1] : error.field;
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

/** A checkbox with its label beside it, and what it does in a note it is described by. */
export function checkbox(id, name, label, hint, checked = false) {
  return el('div', { class: 'check' }, el('input', { type: 'checkbox', id, name, checked: checked || null, 'aria-describedby': hint ? `${id}-hint` : null }),
    el('label', { for: id, class: 'inline', text: ` ${label}` }), hint ? el('p', { class: 'note hint', id: `${id}-hint`, text: hint }) : null);
}

/** Empties a form's error slots and unmarks its fields. */
export function clearRefusals(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** A refusal in words next to its field, which is marked and focused; else in the form's
 *  own slot. `mine(path, message)` may place it first (a search-space row) and say so;
 *  `rename(path)` turns a path of the API's into the one the form's slots use. */
export function showRefusal(form, error, { mine = null, rename = (p) => p } = {}) {
  clearRefusals(form);
  const path = pathOf(error) && rename(pathOf(error));
  let { message, detail } = plain(error);
  // Beside its field, the field's own name in front of the API's words says nothing more.
  const said = pathOf(error);
  if (said && message.startsWith(`${said}: `)) {
    const rest = message.slice(said.length + 2);
    message = `${rest.charAt(0).toUpperCase()}${rest.slice(1)}${/[.!?]$/.test(rest) ? '' : '.'}`;
  }
  if (path && mine && mine(path, message)) return;
  let slot = null;
  // budget.max_calls, then budget; seeds[2], then seeds.
  for (let p = path; p && !slot; p = /\[\d+\]$/.test(p) ? p.replace(/\[\d+\]$/, '') : p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : null) {
    slot = form.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
  }
  slot = slot || form.querySelector('[data-error-for="form"]');
  slot.textContent = message;
  if (detail) slot.append(el('span', { class: 'detail', text: detail }));
  slot.closest('details')?.setAttribute('open', '');
  const target = slot.id && form.querySelector(`[aria-describedby~="${CSS.escape(slot.id)}"]`);
  if (target) { target.setAttribute('aria-invalid', 'true'); target.focus(); } else slot.scrollIntoView({ block: 'nearest' });
}
