// Schedules: a benchmark or a tool eval that runs on its own, every N hours or on a cron.
// One form creates them and, opened under a row, edits every field of one in place; rows
// pause and resume, run now, list their firings, delete.
import { api, ApiError } from '../api.js';
import { describeSimModel } from '../sim.js';
import { plain } from '../errors.js';
import { el, field, showError, clearErrors, table, when } from '../ui.js';

let formCounter = 0;
const kindWords = { benchmark: 'Benchmark', eval: 'Tool eval' };
/** The inputs an API error may be shown next to, by the name the API gives the field. */
const slots = new Set(['name', 'kind', 'targets', 'prompt', 'runs', 'max_tokens', 'suite_id', 'repeat', 'tool_choice', 'scorer', 'judge',
  'interval_hours', 'cron', 'time_zone', 'enabled']);

/** An API error about a field, readdressed to the form's own input. The API names the field in
 *  the code for a 400 (`invalid_request.targets[0]`) and in the message for a 422
 *  (`invalid_request`, "request.targets[0]: …"); a schedule's request fields sit under
 *  `request.`, the form's inputs are not. The field's name leaves the message, since the
 *  message is shown under the field's label. Anything else is left to the form's slot. */
function located(error) {
  const name = error instanceof ApiError ? error.field : null;
  if (!name) return error;
  let path = name;
  let message = error.message || '';
  const named = /^([\w.[\]]+): ([\s\S]*)$/.exec(message);
  if (named && (named[1] === name || named[1].startsWith(`${name}.`) || named[1].startsWith(`${name}[`))) [, path, message] = named;
  const parts = path.split(/[.[]/);
  const input = parts[0] === 'request' ? parts[1] : parts[0];
  if (!slots.has(input)) return error;
  return new ApiError(error.status, `invalid_${input}`, message.charAt(0).toUpperCase() + message.slice(1));
}

function zones() {
  let list = [];
  try { list = Intl.supportedValuesOf('timeZone'); } catch { /* an older browser: free text only */ }
  return list.includes('UTC') ? list : ['UTC', ...list];
}

/** "every 24 hours", "30 2 * * * (Europe/Paris)". */
function cadence(s) {
  if (s.cron) return `cron ${s.cron} (${s.time_zone})`;
  return s.interval_hours === 1 ? 'every hour' : `every ${s.interval_hours} hours`;
}

/** The form for a new schedule (`schedule` null) or for editing one. `onSaved(schedule)`
 *  after the API took it; `onCancel` closes it, nothing sent. A refused save leaves the form
 *  open as typed, and the stored schedule as it was. */
function scheduleForm({ schedule, targets, suites, scorers, defaults, onSaved, onCancel }) {
  const n = ++formCounter;
  const id = (name) => `s${n}-${name}`;
  const editing = Boolean(schedule);
  const stored = schedule ? schedule.request || {} : {};
  const kind0 = schedule ? schedule.kind : 'benchmark';
  const chosen = new Set((stored.targets || []).map((t) => `${t.provider || t.provider_id}/${t.model || t.model_id}`));
  const radio = (name, value, label, checked) => el('div', {},
    el('input', { type: 'radio', id: id(`${name}-${value}`), name, value, checked }),
    el('label', { for: id(`${name}-${value}`), class: 'inline', text: ` ${label}` }));
  const title = editing ? `Edit “${schedule.name}”` : 'New schedule';

  const kindSet = el('fieldset', {}, el('legend', { text: 'What it runs' }),
    radio('kind', 'benchmark', 'Benchmark: the speed of models on a prompt', kind0 === 'benchmark'),
    radio('kind', 'eval', 'Tool eval: how well models call tools, on one of your suites', kind0 === 'eval'),
    el('p', { class: 'error', 'data-error-for': 'kind' }));

  const models = el('fieldset', {}, el('legend', { text: 'Models' }),
    el('p', { class: 'note', 'data-for-kind': 'eval', id: id('models-note'),
      text: 'A tool eval measures tool calling: choose models that can call tools (in the simulator, the names with “tools”).' }),
    targets.length ? targets.map((t, i) => el('div', {},
      el('input', { type: 'checkbox', id: id(`t${i}`), name: 'targets', value: t.value,
        checked: editing ? chosen.has(t.value) : i === 0, 'aria-describedby': t.about ? id(`t${i}-about`) : null }),
      el('label', { for: id(`t${i}`), class: 'inline', text: ` ${t.label}` }),
      t.about ? el('span', { class: 'note', id: id(`t${i}-about`), text: ` (${t.about})` }) : null))
      : el('p', { text: 'No models yet: add a provider and a model under Providers & keys (or use the built-in simulator).' }),
    // A stored target no longer configured stays visible, so saving does not drop it unseen.
    [...chosen].filter((v) => !targets.some((t) => t.value === v)).map((v, i) => el('div', {},
      el('input', { type: 'checkbox', id: id(`gone${i}`), name: 'targets', value: v, checked: true }),
      el('label', { for: id(`gone${i}`), class: 'inline', text: ` ${v} (no longer configured)` }))),
    el('p', { class: 'error', 'data-error-for': 'targets' }));

  const benchPart = el('div', { 'data-for-kind': 'benchmark' },
    el('div', { class: 'row' }, field('Runs per model', 'runs', { type: 'number', min: 1, max: 20, value: stored.runs ?? defaults.runs })),
    field('Prompt', 'prompt', { tag: 'textarea', rows: 3 }));
  const evalPart = el('div', { 'data-for-kind': 'eval' },
    suites.length ? null : el('p', { class: 'note', text: 'You have no tool-calling suites yet: create or import one on the Tool eval page first.' }),
    el('div', { class: 'row' },
      field('Suite', 'suite_id', { tag: 'select', options: suites.map((s) => [s.id, `${s.name} (${s.cases === 1 ? '1 case' : `${s.cases} cases`})`]) }),
      field('Repeat each case (k)', 'repeat', { type: 'number', min: 1, max: 10, value: stored.repeat ?? 1 }),
      field('Tool choice', 'tool_choice', { tag: 'select', options: [['auto', 'auto (the model decides)'], ['required', 'required'], ['none', 'none']] }),
      scorers.length ? field('Scorer', 'scorer', { tag: 'select', options: scorers.map((p) => [p.id, p.name]) }) : null),
    el('div', {}, el('input', { type: 'checkbox', id: id('judge'), name: 'judge', checked: Boolean(stored.judge) }),
      el('label', { for: id('judge'), class: 'inline', text: ' Judge each result as it arrives (with the judge model chosen on the Judge page)' })),
    el('p', { class: 'error', 'data-error-for': 'judge' }));

  const whenSet = el('fieldset', {}, el('legend', { text: 'When it runs' }),
    radio('mode', 'interval', 'Every N hours', !schedule || !schedule.cron),
    radio('mode', 'cron', 'On a cron schedule (at set times)', Boolean(schedule && schedule.cron)),
    el('div', { class: 'row' },
      field('Hours between runs (1–720)', 'interval_hours', { type: 'number', min: 1, max: 720, value: schedule ? schedule.interval_hours ?? 24 : 24, 'data-for-mode': 'interval' }),
      field('Cron (minute hour day month weekday)', 'cron', { value: (schedule && schedule.cron) || '', placeholder: '30 2 * * *', 'data-for-mode': 'cron' }),
      field('Time zone', 'time_zone', { value: schedule ? schedule.time_zone : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', list: id('zones'), 'data-for-mode': 'cron' })),
    el('p', { class: 'note', id: id('cron-hint'), 'data-for-mode': 'cron', text: 'For example “30 2 * * *” runs every day at 02:30, “0 9 * * MON-FRI” on weekdays at 09:00, in the time zone given.' }),
    el('datalist', { id: id('zones') }, zones().map((z) => el('option', { value: z }))));

  const form = el('form', { class: editing ? 'card schedule-edit' : 'card', id: editing ? null : 'new-schedule', 'aria-labelledby': id('title'), novalidate: true },
    el(editing ? 'h3' : 'h2', { id: id('title'), text: title }), kindSet, field('Name', 'name', { value: schedule ? schedule.name : '', placeholder: 'e.g. daily speed check' }),
    models, benchPart, evalPart,
    el('div', { class: 'row' }, field('Max output tokens', 'max_tokens', { type: 'number', min: 1, value: stored.max_tokens ?? defaults.max_tokens })),
    whenSet,
    el('div', {}, el('input', { type: 'checkbox', id: id('enabled'), name: 'enabled', checked: schedule ? schedule.enabled : true }),
      el('label', { for: id('enabled'), class: 'inline', text: ' Active (unticked: kept, but paused)' })),
    el('p', { class: 'error', 'data-error-for': 'enabled' }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', text: editing ? 'Save changes' : 'Create schedule' }),
      el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => onCancel() })));

  const q = (selector) => form.querySelector(selector);
  const cron = q('input[name=cron]');
  cron.setAttribute('aria-describedby', `${cron.getAttribute('aria-describedby')} ${id('cron-hint')}`);
  q('textarea[name=prompt]').value = stored.prompt ?? defaults.prompt;
  if (stored.suite_id) q('select[name=suite_id]').value = stored.suite_id;
  if (stored.tool_choice) q('select[name=tool_choice]').value = stored.tool_choice;
  const scorer = q('select[name=scorer]');
  if (stored.scorer && scorer) {
    // A scorer no longer installed stays chosen (and is named so) rather than silently replaced.
    if (![...scorer.options].some((o) => o.value === stored.scorer)) scorer.append(el('option', { value: stored.scorer, text: `${stored.scorer} (not installed)` }));
    scorer.value = stored.scorer;
  }
  const kind = () => q('input[name=kind]:checked').value;
  const mode = () => q('input[name=mode]:checked').value;
  /** Only the chosen kind's and the chosen timing's fields are shown. */
  function sync() {
    for (const part of form.querySelectorAll('[data-for-kind]')) part.hidden = part.dataset.forKind !== kind();
    for (const input of form.querySelectorAll('[data-for-mode]')) {
      const box = input.matches('input') ? input.parentElement : input;
      box.hidden = input.dataset.forMode !== mode();
    }
  }
  form.addEventListener('change', (e) => { if (e.target.name === 'kind' || e.target.name === 'mode') sync(); });
  sync();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const picked = [...form.querySelectorAll('input[name=targets]:checked')].map((c) => { const [provider, ...rest] = c.value.split('/'); return { provider, model: rest.join('/') }; });
    const number = (name) => { const v = q(`[name=${name}]`).value.trim(); return v === '' ? undefined : Number(v); };
    // What the form does not show (temperature, context sizes, warm-up…) is kept as stored.
    const request = { ...(schedule && schedule.kind === kind() ? stored : {}), targets: picked, max_tokens: number('max_tokens') };
    if (kind() === 'benchmark') Object.assign(request, { runs: number('runs'), prompt: q('textarea[name=prompt]').value });
    else {
      Object.assign(request, { suite_id: q('select[name=suite_id]').value, repeat: number('repeat'), tool_choice: q('select[name=tool_choice]').value,
        judge: q('input[name=judge]').checked });
      if (q('select[name=scorer]')) request.scorer = q('select[name=scorer]').value;
    }
    for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];
    const body = { name: q('input[name=name]').value.trim(), kind: kind(), request, time_zone: q('input[name=time_zone]').value.trim() || 'UTC',
      enabled: q('input[name=enabled]').checked };
    // Said here, before anything is sent: the API's own words for these are about its fields.
    const local = !body.name ? ['name', 'Give the schedule a name, for example “daily speed check”.']
      : !picked.length ? ['targets', 'Choose at least one model.']
      : kind() === 'eval' && !request.suite_id ? ['suite_id', 'Choose a suite (create one on the Tool eval page first).']
        : mode() === 'interval' && number('interval_hours') === undefined ? ['interval_hours', 'Give the number of hours between runs (1–720).']
          : mode() === 'cron' && !cron.value.trim() ? ['cron', 'Give a cron expression, for example “30 2 * * *” (every day at 02:30).'] : null;
    if (local) { showError(form, new ApiError(400, `invalid_${local[0]}`, local[1])); return; }
    if (mode() === 'interval') body.interval_hours = number('interval_hours'); else body.cron = cron.value.trim();
    const button = q('button[type=submit]');
    button.disabled = true;
    try {
      const saved = await api(editing ? 'PUT' : 'POST', editing ? `/api/schedules/${schedule.id}` : '/api/schedules', body);
      onSaved(saved);
    } catch (err) {
      showError(form, located(err));
    } finally { button.disabled = false; }
  });
  return form;
}

export async function render() {
  const root = el('div');
  const [{ providers }, { suites }, defaults, plugins] = await Promise.all([api('GET', '/api/providers'), api('GET', '/api/suites'),
    api('GET', '/api/benchmarks/defaults'), api('GET', '/api/plugins').catch(() => ({ plugins: [] }))]);
  const targets = providers.flatMap((p) => p.models.map((m) => ({ value: `${p.slug}/${m.model_id}`, label: `${m.display_name || m.model_id} — ${p.slug}`,
    about: describeSimModel(m.model_id) })));
  const scorers = (plugins.plugins || []).filter((p) => (p.kinds || []).includes('scorer'))
    .sort((a, b) => (a.id === 'toolcall' ? -1 : b.id === 'toolcall' ? 1 : a.id.localeCompare(b.id)));
  const context = { targets, suites, scorers, defaults };
  const listing = el('div');
  const firings = el('section', { 'aria-live': 'polite', id: 'schedule-firings' });
  let editor = null;  // { id, form } while a schedule is being edited
  // What a button did, said in the page beside the list (a toast would cover the row buttons).
  const status = el('p', { class: 'note', role: 'status', id: 'schedules-status' });
  const say = (message, bad = false) => {
    status.className = bad ? 'bad' : 'note';
    status.textContent = message instanceof Error ? plain(message).message : message;
  };

  // The form for a new schedule: open on an empty page, else behind the "New schedule" button.
  const opener = el('button', { type: 'button', text: 'New schedule', 'aria-controls': 'new-schedule', onclick: () => openNew(true, true) });
  function newForm() {
    return scheduleForm({ ...context, schedule: null, onSaved: async (saved) => {
      const fresh = newForm();
      created.replaceWith(fresh); created = fresh;
      openNew(false);
      say(`Schedule “${saved.name}” created${saved.next_fire_at ? `: it first runs ${when(saved.next_fire_at)}` : ''}.`);
      await refresh(saved.id);
    }, onCancel: () => {
      const fresh = newForm();
      created.replaceWith(fresh); created = fresh;
      openNew(false, true);
    } });
  }
  let created = newForm();
  function openNew(open, focus = false) {
    created.hidden = !open;
    opener.hidden = open;
    if (focus) (open ? created.querySelector('input[name=name]') : opener).focus();
  }

  async function refresh(focusEditOf) {
    const { schedules } = await api('GET', '/api/schedules');
    const suiteName = (sid) => { const s = suites.find((x) => x.id === sid); return s ? s.name : 'a deleted suite'; };
    // Row buttons are named by the schedule ("Edit daily speed check"), numbered when two share a name.
    const seen = new Map();
    const labels = schedules.map((s) => {
      const count = schedules.filter((x) => x.name === s.name).length;
      const k = (seen.get(s.name) || 0) + 1; seen.set(s.name, k);
      return count > 1 ? `${s.name} (${k})` : s.name;
    });
    if (editor && !schedules.some((s) => s.id === editor.id)) editor = null;
    const rows = schedules.map((s, i) => {
      const label = labels[i];
      const request = s.request || {};
      const button = (text, aria, onclick, cls = 'secondary') => el('button', { type: 'button', class: cls, text, 'aria-label': aria, 'data-schedule': s.id, onclick });
      // An eval schedule names its suite; a paused one says so where its next run would be.
      return [s.name, s.kind === 'eval' ? `${kindWords.eval} (suite: ${suiteName(request.suite_id)})` : kindWords[s.kind] || s.kind,
        (request.targets || []).map((t) => t.model || t.model_id).join(', '),
        cadence(s), s.enabled ? when(s.next_fire_at) : 'paused',
        el('div', { class: 'actions' },
          button('Edit', `Edit ${label}`, () => {
            if (editor && editor.id === s.id) { editor = null; place(); return; }  // a second press closes it
            say('');
            const form = scheduleForm({ ...context, schedule: s, onSaved: (saved) => { editor = null; say(`Changes to “${saved.name}” saved.`); refresh(s.id); },
              onCancel: () => { editor = null; refresh(s.id); } });
            editor = { id: s.id, form };
            place();
            form.querySelector('input[name=name]').focus();
          }, 'secondary edit'),
          // Pausing keeps the schedule and its firings; it stops firing until resumed.
          button(s.enabled ? 'Pause' : 'Resume', `${s.enabled ? 'Pause' : 'Resume'} ${label}`, async () => {
            const body = { name: s.name, kind: s.kind, request: s.request, time_zone: s.time_zone, enabled: !s.enabled };
            if (s.cron) body.cron = s.cron; else body.interval_hours = s.interval_hours;
            try { await api('PUT', `/api/schedules/${s.id}`, body); refresh(); } catch (err) { say(err, true); }
          }),
          button('Run now', `Run ${label} now`, async () => {
            try {
              const r = await api('POST', `/api/schedules/${s.id}/run`);
              say(`${s.name} started (job ${r.job_id}): follow it under “Running jobs”.`);
            } catch (err) {
              say(err instanceof ApiError && err.code === 'schedule_failed' ? `${s.name} cannot run as it is: ${err.message}. Edit it to fix this.`
                : err instanceof ApiError && err.code === 'job_running' ? 'You already have a job running: run this one again once that one has finished.' : err, true);
            }
          }),
          // Its firings: each time it ran (or was skipped, or could not run), newest first.
          button('Past runs', `Past runs of ${label}`, async () => {
            try {
              const { firings: list } = await api('GET', `/api/schedules/${s.id}/firings`);
              firings.replaceChildren(el('h3', { text: `Past runs of ${s.name}` }), list.length
                ? table(['when', 'outcome', 'job', 'run', 'detail'], list.map((f) => [when(f.fired_at), f.outcome, f.job_state || '', f.run_id || '', f.detail || '']),
                  { caption: 'Newest first. “skipped”: another job of yours was running; “failed”: the schedule no longer fits your providers and models.', stacked: true })
                : el('p', { class: 'note', text: `${s.name} has not run yet.` }));
            } catch (err) { say(err, true); }
          }),
          button('Delete', `Delete ${label}`, async () => {
            if (!confirm(`Delete the schedule “${s.name}” and its record of firings? The runs it made stay in History.`)) return;
            try { await api('DELETE', `/api/schedules/${s.id}`); refresh(); } catch (err) { say(err, true); }
          }, 'danger'))];
    });
    listing.className = 'schedule-list';
    listing.replaceChildren(schedules.length ? table(['name', 'kind', 'models', 'when', 'next run', 'actions'], rows, { stacked: true })
      : el('p', { class: 'note empty', text: 'No schedules yet. A schedule runs a benchmark or a tool eval on its own, every N hours or at set times (cron), and keeps each run in History.' }));
    place();
    if (focusEditOf) {
      const back = listing.querySelector(`button.edit[data-schedule="${CSS.escape(focusEditOf)}"]`);
      if (back) back.focus();
    }
    return schedules;
  }

  /** The open editor sits in a full-width row under its schedule's row. */
  function place() {
    for (const row of listing.querySelectorAll('tr.schedule-editor')) row.remove();
    for (const b of listing.querySelectorAll('button.edit')) b.setAttribute('aria-expanded', 'false');
    if (!editor) return;
    const button = listing.querySelector(`button.edit[data-schedule="${CSS.escape(editor.id)}"]`);
    if (!button) return;
    button.setAttribute('aria-expanded', 'true');
    const row = button.closest('tr');
    row.after(el('tr', { class: 'schedule-editor' }, el('td', { colspan: row.children.length }, editor.form)));
  }

  const first = await refresh();
  openNew(!first.length);
  root.replaceChildren(el('h2', { id: 'schedules-title', text: 'Schedules' }), status, listing, firings, el('div', {}, opener), created);
  return root;
}
