// Prompts: the user's library of system prompts (docs/tuning.md, "Prompt library"). Each
// has a name, labels, a source (manual: added here; tuner: the best of a prompt tuning run;
// import: from a JSON file) and the prompt it was derived from. Listed and filtered by
// label here; one opened shows its whole text, its lineage and a copy button; prompts are
// added by hand, imported, renamed or relabelled (the text of a prompt never changes:
// derive a new one), and deleted. A prompt tuning run may start from library prompts.
import { api, ApiError } from '../api.js';
import { plain } from '../errors.js';
import { el, table, when, toast } from '../ui.js';
import { wordDiff } from '../tuning/prompt-words.js';
import { score } from '../tuning/words.js';

const SOURCES = { manual: 'added by hand', tuner: 'saved by a prompt tuning run', import: 'imported from a file' };

/** "weather, v2 " → ["weather", "v2"]; throws a refusal naming `field` for the API's limits. */
function labelsOf(text, field = 'labels') {
  const labels = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (labels.length > 20) throw new ApiError(400, `invalid_${field}`, 'Give at most 20 labels.');
  const long = labels.find((l) => l.length > 50);
  if (long) throw new ApiError(400, `invalid_${field}`, `The label “${long.slice(0, 24)}…” is longer than 50 characters.`);
  return labels;
}

/** An import's refusal in words, naming the entry: "prompts[1].labels[0]: longer than 50
 *  characters" → "Prompt 2 (“terse”): a label is longer than 50 characters." */
function importWords(error, list = []) {
  const m = /prompts\[(\d+)\](?:\.(\w+))?(?:\[\d+\])?: (.*)$/.exec((error && error.message) || '');
  if (!m) return plain(error).message;
  const [, i, key = '', rest] = m;
  const entry = list[Number(i)];
  const which = `Prompt ${Number(i) + 1}${entry && entry.name ? ` (“${entry.name.slice(0, 40)}”)` : ''}`;
  if (key === 'labels') return `${which}: ${/longer than/.test(rest) ? 'a label is longer than 50 characters' : /maxItems|more than|at most/.test(rest) ? 'it has more than 20 labels' : `its labels: ${rest}`}.`;
  if (/shorter than 1/.test(rest)) return `${which}: its ${key || 'entry'} is empty.`;
  if (/longer than/.test(rest)) return `${which}: its ${key} is too long (${key === 'name' ? 'at most 200 characters' : key === 'text' ? 'at most 100,000 characters' : rest}).`;
  if (/is required/.test(rest)) return `${which}: it needs a ${key || 'name and a text'}.`;
  if (/not allowed/.test(rest)) return `${which}: only name, text and labels are read; remove “${key}”.`;
  return `${which}: ${key ? `${key} ` : ''}${rest}`;
}

/** The JSON of an import, checked here so the words can say which entry is wrong. Takes a
 *  list of {name, text, labels?} or {"prompts": [...]}. */
function parseImport(raw) {
  let data;
  try { data = JSON.parse(raw); } catch (e) {
    throw new Error(`This is not valid JSON (${e.message.replace(/^JSON\.parse: |^Unexpected/, (s) => (s.startsWith('Unexpected') ? 'unexpected' : ''))}). It should be a list like [{"name": "…", "text": "…", "labels": ["…"]}].`);
  }
  const list = Array.isArray(data) ? data : data && Array.isArray(data.prompts) ? data.prompts : null;
  if (!list) throw new Error('The JSON should be a list of prompts, [{"name": "…", "text": "…", "labels": ["…"]}], or an object with such a list under "prompts".');
  if (!list.length) throw new Error('The list is empty: there is nothing to import.');
  if (list.length > 200) throw new Error(`The list has ${list.length} prompts; import at most 200 at a time.`);
  return list.map((p, i) => {
    const which = `Prompt ${i + 1}${p && typeof p.name === 'string' && p.name.trim() ? ` (“${p.name.slice(0, 40)}”)` : ''}`;
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error(`${which} is not an object with a name and a text.`);
    if (typeof p.name !== 'string' || !p.name.trim()) throw new Error(`${which} has no name.`);
    if (typeof p.text !== 'string' || !p.text.trim()) throw new Error(`${which} has no text.`);
    if (p.name.length > 200) throw new Error(`${which}: its name is longer than 200 characters.`);
    if (p.labels !== undefined && !(Array.isArray(p.labels) && p.labels.every((l) => typeof l === 'string' && l.trim()))) {
      throw new Error(`${which}: its labels should be a list of words, e.g. ["weather"].`);
    }
    const extra = Object.keys(p).filter((k) => !['name', 'text', 'labels'].includes(k));
    if (extra.length) throw new Error(`${which}: only name, text and labels are read; remove ${extra.map((k) => `“${k}”`).join(', ')}.`);
    const out = { name: p.name.trim(), text: p.text };
    if (p.labels && p.labels.length) out.labels = [...new Set(p.labels.map((l) => l.trim()))];
    return out;
  });
}

/** An error line (role alert) that also carries the API's own words as a detail. */
function say(slot, error) {
  const { message, detail } = error instanceof ApiError ? plain(error) : { message: error.message || String(error), detail: null };
  slot.replaceChildren(message, detail ? el('span', { class: 'detail', text: detail }) : '');
}

let counter = 0;
/** A labelled input or textarea with an error slot it is described by. */
function input(label, name, attributes = {}, hint = null) {
  const id = `pl${++counter}-${name}`;
  const control = el(attributes.tag || 'input', { id, name, 'aria-describedby': `${hint ? `${id}-hint ` : ''}${id}-error`, ...attributes, tag: null });
  return { control, node: el('div', { class: `field-${name}` }, el('label', { for: id, text: label }), control,
    hint ? el('p', { class: 'note hint', id: `${id}-hint`, text: hint }) : null, el('p', { class: 'error', id: `${id}-error`, 'data-error-for': name })) };
}

export async function render() {
  const root = el('div', { class: 'prompts' });
  let prompts = [];
  let openId = null;
  const params = new URLSearchParams(location.hash.split('?')[1] || '');

  // ——— The list, with its label filter ———
  const filter = el('select', { id: 'prompts-label', name: 'label' });
  const countLine = el('p', { class: 'note', id: 'prompts-count', role: 'status' });
  const listBox = el('div', { id: 'prompts-list' });
  const viewer = el('section', { id: 'prompt-view', class: 'card', 'aria-label': 'The opened prompt', hidden: true });

  async function load() {
    ({ prompts } = await api('GET', '/api/prompts'));
    drawList();
  }

  function drawList() {
    const labels = [...new Set(prompts.flatMap((p) => p.labels))].sort((a, b) => a.localeCompare(b));
    const chosen = filter.value;
    filter.replaceChildren(el('option', { value: '', text: `All prompts (${prompts.length})` }),
      ...labels.map((l) => el('option', { value: l, text: `${l} (${prompts.filter((p) => p.labels.includes(l)).length})` })));
    filter.value = labels.includes(chosen) ? chosen : '';
    filter.disabled = !labels.length;
    const shown = filter.value ? prompts.filter((p) => p.labels.includes(filter.value)) : prompts;
    countLine.textContent = !prompts.length ? '' : filter.value ? `${shown.length} of ${prompts.length} prompts have the label “${filter.value}”.` : `${prompts.length} prompt${prompts.length === 1 ? '' : 's'}, newest first.`;
    if (!prompts.length) {
      listBox.replaceChildren(el('div', { class: 'empty', id: 'prompts-empty' },
        el('p', { text: 'Your prompt library is empty.' }),
        el('p', {}, 'Prompts come from three places: the best prompt of each prompt tuning run is saved here (',
          el('a', { href: '#/tuning?what=prompt', text: 'Tuning → Tune the system prompt' }), '); you can write one yourself under “Add a prompt” below; or bring many at once under “Import prompts”.'),
        el('p', { text: 'Library prompts can start a prompt tuning run, where the writer model builds on them.' })));
      return;
    }
    listBox.replaceChildren(table(['name', 'labels', 'source', 'score', 'created', 'actions'], shown.map((p) => [
      el('button', { type: 'button', class: 'link name', text: p.name, 'aria-label': `Open prompt ${p.name}`, onclick: () => open(p.id) }),
      p.labels.length ? el('span', { class: 'labels' }, p.labels.map((l) => el('span', { class: 'label-chip', text: l }))) : '—',
      p.source, p.score === null ? '—' : score(p.score), when(p.created_at),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'secondary', text: 'Open', 'aria-label': `Open ${p.name}`, onclick: () => open(p.id) }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${p.name}`, onclick: () => remove(p) })),
    ]), { caption: 'Your prompts', numeric: ['score'], stacked: true }));
  }
  filter.addEventListener('change', drawList);

  async function remove(p) {
    if (!confirm(`Delete the prompt “${p.name}”? Prompts derived from it keep their text.`)) return;
    try {
      await api('DELETE', `/api/prompts/${p.id}`);
      toast(`Deleted “${p.name}”.`);
      if (openId === p.id) closeView();
      await load();
      drawParents();
    } catch (err) { toast(err); }
  }

  function closeView() {
    openId = null;
    viewer.hidden = true;
    viewer.replaceChildren();
    history.replaceState(null, '', '#/prompts');
  }

  // ——— One prompt, opened ———
  async function open(id) {
    let p;
    try { p = await api('GET', `/api/prompts/${id}`); } catch (err) { toast(err); return; }
    openId = id;
    history.replaceState(null, '', `#/prompts?id=${encodeURIComponent(id)}`);
    const title = el('h2', { id: 'prompt-view-title', tabindex: -1, text: p.name });
    const text = el('pre', { class: 'prompt-full', id: 'prompt-view-text', tabindex: 0, 'aria-label': `The text of ${p.name}` }, p.text);
    const copied = el('span', { class: 'note', role: 'status', id: 'prompt-copied' });
    const copy = el('button', { type: 'button', class: 'secondary', id: 'prompt-copy', text: 'Copy the text', onclick: async () => {
      try { await navigator.clipboard.writeText(p.text); copied.textContent = 'Copied.'; } catch {
        // Without clipboard access (an insecure origin), the text is selected for Ctrl+C.
        getSelection().selectAllChildren(text); copied.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
      }
      setTimeout(() => { copied.textContent = ''; }, 4000);
    } });
    const facts = el('dl', { class: 'facts' },
      el('dt', { text: 'Source' }), el('dd', {}, p.source, el('span', { class: 'note', text: ` — ${SOURCES[p.source] || ''}` }),
        p.tuning_run_id ? el('span', {}, ' (', el('a', { href: '#/tuning', text: 'see Past tuning runs' }), ')') : null),
      el('dt', { text: 'Score' }), el('dd', { text: p.score === null ? '—' : `${score(p.score)}${p.source === 'tuner' ? ' (in the run that saved it)' : ''}` }),
      el('dt', { text: 'Labels' }), el('dd', { text: p.labels.length ? p.labels.join(', ') : '—' }),
      el('dt', { text: 'Created' }), el('dd', { text: when(p.created_at) }),
      el('dt', { text: 'Characters' }), el('dd', { text: String(p.text.length) }));

    // Lineage: the prompts it was derived from, oldest first, then itself, each with the
    // words it added (underlined) and took out (struck through).
    const chain = [...(p.lineage || []), p];
    const textOf = (q, i) => {
      const body = el('p', { class: 'prompt-full' });
      for (const part of i === 0 ? [{ text: q.text, kind: 'same' }] : wordDiff(chain[i - 1].text, q.text)) {
        body.append(part.kind === 'added' ? el('ins', { text: part.text }) : part.kind === 'removed' ? el('del', { text: part.text }) : part.text);
      }
      return body;
    };
    const lineage = el('section', { class: 'lineage', id: 'prompt-lineage', 'aria-labelledby': 'prompt-lineage-title' },
      el('h3', { id: 'prompt-lineage-title', text: 'Lineage' }),
      chain.length > 1 ? el('p', { class: 'note', text: 'The prompts it was derived from, oldest first. Underlined: words each added; struck through: words it took out.' }) : null,
      chain.length > 1
        ? el('ol', {}, chain.map((q, i) => el('li', { class: q.id === p.id ? 'current' : null },
          el('p', { class: 'lineage-head' }, q.id === p.id ? el('strong', { text: q.name }) : el('button', { type: 'button', class: 'link', text: q.name, 'aria-label': `Open ${q.name}`, onclick: () => open(q.id) }),
            ` · ${q.source}${q.score === null ? '' : ` · score ${score(q.score)}`}${q.id === p.id ? ' · this prompt' : ''}`),
          textOf(q, i))))
        : el('p', { class: 'note', text: p.parent_id ? 'It was derived from a prompt that has since been deleted.'
          : p.source === 'tuner' ? 'It was not derived from another library prompt: a prompt tuning run wrote it. Open that run under Past tuning runs to see how it came about.'
            : 'It was not derived from another library prompt.' }));

    // Rename and relabel (the text stays: a changed text is a new, derived prompt).
    const name = input('Name', 'name', { value: p.name, required: true, maxlength: 200 });
    const labels = input('Labels', 'labels', { value: p.labels.join(', '), autocomplete: 'off' }, 'Separated by commas.');
    const formError = el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' });
    const edit = el('form', { class: 'edit', id: 'prompt-edit', 'aria-label': `Rename or relabel ${p.name}`, novalidate: true },
      el('div', { class: 'row' }, name.node, labels.node),
      formError,
      el('div', { class: 'actions' }, el('button', { type: 'submit', text: 'Save name and labels' })));
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      for (const slot of edit.querySelectorAll('[data-error-for]')) slot.textContent = '';
      try {
        if (!name.control.value.trim()) throw new ApiError(400, 'invalid_name', 'Give the prompt a name.');
        const changed = await api('PUT', `/api/prompts/${p.id}`, { name: name.control.value.trim(), labels: labelsOf(labels.control.value) });
        toast(`Saved “${changed.name}”.`);
        await load();
        drawParents();
        await open(p.id);
      } catch (err) {
        const slot = edit.querySelector(`[data-error-for="${err instanceof ApiError && err.field ? CSS.escape(err.field.split('.')[0]) : 'form'}"]`) || formError;
        say(slot, err);
      }
    });

    viewer.replaceChildren(title,
      el('div', { class: 'actions' }, copy,
        el('button', { type: 'button', class: 'secondary', id: 'prompt-derive', text: 'Derive a new prompt', 'aria-label': `Derive a new prompt from ${p.name}`, onclick: () => derive(p) }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${p.name}`, onclick: () => remove(p) }),
        el('button', { type: 'button', class: 'secondary', text: 'Close', 'aria-label': `Close ${p.name}`, onclick: closeView }), copied),
      text, facts, lineage,
      el('details', { class: 'edit-box' }, el('summary', { text: 'Rename or change labels' }), edit));
    viewer.hidden = false;
    title.scrollIntoView({ block: 'start' });
    title.focus();
  }

  // ——— Add one by hand ———
  const add = {
    name: input('Name', 'name', { required: true, maxlength: 200, autocomplete: 'off' }),
    text: input('Text', 'text', { tag: 'textarea', rows: 5, required: true }, 'The whole system prompt. It cannot be changed later: to change it, derive a new prompt.'),
    labels: input('Labels', 'labels', { autocomplete: 'off', placeholder: 'weather, short' }, 'Separated by commas (optional).'),
    parent: input('Derived from (optional)', 'parent_id', { tag: 'select' }, 'The library prompt this one improves on: it shows in its lineage.'),
  };
  const addError = el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' });
  const addForm = el('form', { class: 'card', id: 'prompt-add', 'aria-labelledby': 'prompt-add-title', novalidate: true },
    el('h2', { id: 'prompt-add-title', text: 'Add a prompt', tabindex: -1 }),
    el('div', { class: 'row' }, add.name.node, add.labels.node), add.text.node, add.parent.node, addError,
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'prompt-add-button', text: 'Add to the library' })));
  function drawParents(selected = add.parent.control.value) {
    add.parent.control.replaceChildren(el('option', { value: '', text: '— none —' }), ...prompts.map((p) => el('option', { value: p.id, text: p.name })));
    add.parent.control.value = prompts.some((p) => p.id === selected) ? selected : '';
  }
  function derive(p) {
    drawParents(p.id);
    add.text.control.value = p.text;
    add.name.control.value = `${p.name} (new)`;
    add.labels.control.value = p.labels.filter((l) => l !== 'tuner').join(', ');
    addForm.scrollIntoView({ block: 'start' });
    add.text.control.focus();
  }
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const slot of addForm.querySelectorAll('[data-error-for]')) slot.textContent = '';
    for (const c of addForm.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    const fail = (field, err) => {
      const slot = addForm.querySelector(`[data-error-for="${field}"]`) || addError;
      say(slot, err);
      const control = addForm.elements.namedItem(field);
      if (control) { control.setAttribute('aria-invalid', 'true'); control.focus(); }
    };
    const body = { name: add.name.control.value.trim(), text: add.text.control.value };
    if (!body.name) return fail('name', new Error('Give the prompt a name.'));
    if (!body.text.trim()) return fail('text', new Error('Write the prompt’s text.'));
    try { const labels = labelsOf(add.labels.control.value); if (labels.length) body.labels = labels; } catch (err) { return fail('labels', err); }
    if (add.parent.control.value) body.parent_id = add.parent.control.value;
    let made;
    try { made = await api('POST', '/api/prompts', body); } catch (err) {
      return fail(err instanceof ApiError && err.field ? err.field.split('.')[0] : 'form', err);
    }
    toast(`Added “${made.name}”.`);
    addForm.reset();
    await load();
    drawParents('');
    await open(made.id);
  });

  // ——— Import from a file, or pasted ———
  const file = input('A JSON file', 'file', { type: 'file', accept: '.json,application/json' });
  const pasted = input('Or paste the JSON', 'json', { tag: 'textarea', rows: 5, spellcheck: 'false', placeholder: '[{"name": "one tool", "text": "Call exactly one tool for each request.", "labels": ["weather"]}]' });
  const importError = el('p', { class: 'error', id: 'prompt-import-error', 'data-error-for': 'import', role: 'alert' });
  const importForm = el('form', { class: 'card', id: 'prompt-import', 'aria-labelledby': 'prompt-import-title', novalidate: true },
    el('h2', { id: 'prompt-import-title', text: 'Import prompts' }),
    el('p', { class: 'note', id: 'prompt-import-about' }, 'A JSON list of prompts, each with a name, a text and optional labels: ',
      el('code', { text: '[{"name": "…", "text": "…", "labels": ["…"]}]' }), '. All of them are imported, or none if one is wrong.'),
    el('div', { class: 'row' }, file.node), pasted.node, importError,
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'prompt-import-button', text: 'Import' })));
  // A file chosen is read into the box, so what will be imported can be seen (and fixed).
  file.control.addEventListener('change', async () => {
    const chosen = file.control.files[0];
    if (!chosen) return;
    if (chosen.size > 1 << 20) { say(importError, new Error(`${chosen.name} is larger than 1 MB; split it into smaller files.`)); return; }
    pasted.control.value = await chosen.text();
    importError.textContent = '';
  });
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    importError.textContent = '';
    pasted.control.removeAttribute('aria-invalid');
    const raw = pasted.control.value.trim();
    let list;
    try {
      if (!raw) throw new Error('Choose a JSON file or paste the JSON first.');
      list = parseImport(raw);
    } catch (err) { say(importError, err); pasted.control.setAttribute('aria-invalid', 'true'); pasted.control.focus(); return; }
    try {
      const { imported } = await api('POST', '/api/prompts/import', { prompts: list });
      toast(`Imported ${imported} prompt${imported === 1 ? '' : 's'}.`);
      importForm.reset();
      await load();
      drawParents();
      listBox.scrollIntoView({ block: 'start' });
    } catch (err) {
      importError.replaceChildren(importWords(err, list), err instanceof ApiError && err.code ? el('span', { class: 'detail', text: `${err.code}: ${err.message}` }) : '');
      pasted.control.setAttribute('aria-invalid', 'true');
    }
  });
  // The import error slot is the pasted box's.
  pasted.control.setAttribute('aria-describedby', `${pasted.control.getAttribute('aria-describedby')} prompt-import-error prompt-import-about`);

  await load();
  drawParents('');
  root.append(
    el('section', { class: 'card', 'aria-labelledby': 'prompts-title' },
      el('h2', { id: 'prompts-title', text: 'Prompt library' }),
      el('p', { class: 'note', text: 'System prompts to reuse: the best of your prompt tuning runs, ones you write, ones you import. A prompt tuning run can start from them.' }),
      el('div', { class: 'row filter' }, el('div', {}, el('label', { for: 'prompts-label', text: 'Show prompts labelled' }), filter)),
      countLine, listBox),
    viewer, addForm, importForm);
  // Opened after the page is shown (the shell focuses the page first): #/prompts?id=…
  if (params.get('id')) setTimeout(() => open(params.get('id')), 0);
  return root;
}
