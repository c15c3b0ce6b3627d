// Small DOM helpers: elements built with textContent only (never innerHTML with data),
// forms whose API errors appear next to the field they concern.
import { ApiError } from './api.js';
import { plain } from './errors.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

let fieldCounter = 0;
/** A labelled input with its error slot. */
export function field(label, name, attributes = {}) {
  const id = `f${++fieldCounter}-${name}`;
  const input = attributes.tag === 'select' ? el('select', { id, name, ...attributes, tag: null }, ...(attributes.options || []).map(([v, t]) => el('option', { value: v, text: t })))
    : el(attributes.tag || 'input', { id, name, 'aria-describedby': `${id}-error`, ...attributes, tag: null, options: null });
  return el('div', {}, el('label', { for: id, text: label }), input, el('p', { class: 'error', id: `${id}-error`, 'data-error-for': name }));
}

/** Shows an API error next to its field (invalid_<field>), else in the form's own slot. */
export function showError(form, error) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  const { message, detail } = plain(error);
  const name = error instanceof ApiError ? error.field : null;
  const base = name ? name.split(/[.[]/)[0] : null;
  const slot = (name && (form.querySelector(`[data-error-for="${CSS.escape(name)}"]`) || form.querySelector(`[data-error-for="${CSS.escape(base)}"]`)))
    || form.querySelector('[data-error-for="form"]');
  if (slot) {
    slot.textContent = message;
    // The API's own words, for whoever needs them, as a quieter second line.
    if (detail) slot.append(el('span', { class: 'detail', text: detail }));
  } else toast(message);
  const input = name && form.querySelector(`[name="${CSS.escape(base)}"]`);
  if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

export function toast(message) {
  const box = document.getElementById('toast');
  const p = el('p', { text: message instanceof Error ? plain(message).message : message });
  box.append(p);
  // Three at most: older ones give way rather than piling up over the page.
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => p.remove(), 6000);
}

/** `stacked`: on a phone each row becomes a card of "column: value" lines (app.css), for
 *  tables whose last columns (actions) must stay reachable without sideways scrolling. */
export function table(columns, rows, { caption, numeric = [], stacked = false } = {}) {
  // A box that may scroll sideways is focusable, so a keyboard can scroll it too.
  return el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption || columns.filter(Boolean).join(', ') }, el('table', { class: stacked ? 'stacked' : null },
    caption ? el('caption', { class: 'note', text: caption }) : null,
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: numeric.includes(c) ? 'num' : null, text: c })))),
    el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell, i) => cell instanceof Node ? el('td', { 'data-label': columns[i] }, cell)
      : el('td', { class: numeric.includes(columns[i]) ? 'num' : null, 'data-label': columns[i], text: cell ?? '—' })))))));
}

export function fmt(value, digits = 1) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : Number(value).toFixed(digits);
}

/** A result's output tokens, with the part spent reasoning when the provider said
 *  (output counts reasoning for every provider: docs/measurement.md). */
export function tokens(result) {
  if (result.output_tokens === null || result.output_tokens === undefined) return '—';
  return result.reasoning_tokens ? `${result.output_tokens} (${result.reasoning_tokens} reasoning)` : String(result.output_tokens);
}

export function when(iso) { return iso ? new Date(iso).toLocaleString() : '—'; }
