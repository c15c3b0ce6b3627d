// Benchmark: pick targets, write or pick a prompt, parameters validated live, run, and
// watch results arrive — summarised per model above the raw rows. A benchmark started
// before the user left the page is picked up again when they come back (jobs.js).
import { api, follow } from '../api.js';
import { barChart, scatterChart, histogram } from '../charts.js';
import { activeJob, refreshTray, settled } from '../jobs.js';
import { describeSimModel } from '../sim.js';
import { loadProfiles, profilePicker, syncPickers, withProfile } from '../profiles.js';
import { session } from '../app.js';
import { el, field, showError, clearErrors, table, fmt, tokens, toast } from '../ui.js';

/** Prompt templates: what users measure most (the default is the server's own prompt). */
const templates = [
  ['default', 'The studio\'s default prompt', null],
  ['short', 'Short answer', 'In one sentence: what is a hash map?'],
  ['long', 'Long answer', 'Explain, in about 600 words, how a relational database executes a query: parsing, planning, indexes, joins and caching. Use headings.'],
  ['code', 'Code', 'Write a Python function that merges overlapping intervals. Include type hints, a docstring and three doctests.'],
  ['json', 'JSON output', 'Return only JSON, no prose: an array of 5 objects {"city": string, "country": string, "population": number} for the largest cities in Europe.'],
];

/** Context sizes offered as chips (tokens of padding before the prompt); others can be typed. */
const tierChips = [[0, 'none'], [1000, '1K'], [4000, '4K'], [16000, '16K'], [32000, '32K'], [64000, '64K'], [128000, '128K']];
/** Set on every run by their own fields, so not offered again among the extra parameters. */
const ownFields = new Set(['temperature', 'max_tokens']);

export async function render() {
  const [{ providers }, defaults, { providers: registry }, { presets }, profiles] = await Promise.all([api('GET', '/api/providers'), api('GET', '/api/benchmarks/defaults'),
    api('GET', '/api/params/registry'), api('GET', '/api/providers/presets'), loadProfiles()]);
  const targets = providers.flatMap((p) => p.models.map((m) => ({ provider: p.slug, plugin: p.plugin_id, preset: p.preset, model: m.model_id, label: m.display_name || m.model_id,
    contextWindow: m.context_window })));
  const picks = el('fieldset', {}, el('legend', { text: 'Models to compare' }),
    targets.length ? targets.map((t, i) => el('div', {},
      el('input', { type: 'checkbox', id: `t${i}`, name: 'target', value: `${t.provider}/${t.model}`, checked: i === 0,
        'aria-describedby': describeSimModel(t.model) ? `t${i}-about` : null }),
      el('label', { for: `t${i}`, text: ` ${t.label} — ${t.provider}`, class: 'inline' }),
      describeSimModel(t.model) ? el('span', { class: 'note', id: `t${i}-about`, text: ` (${describeSimModel(t.model)})` }) : null,
      profilePicker(profiles, `${t.provider}/${t.model}`, `t${i}-profile`, ' (over Temperature above; More parameters still win)')))
      : el('p', { text: 'No models yet: add a provider and a model under Providers & keys (or use the built-in simulator).' }),
    el('p', { class: 'error', 'data-error-for': 'targets' }));
  // Context sizes: one chip per common size; sizes not among them go in the box beside.
  const otherTiers = defaults.context_tiers.filter((t) => !tierChips.some(([n]) => n === t));
  const tiers = el('fieldset', { class: 'chips' }, el('legend', { text: 'Context sizes (tokens of padding before the prompt)' }),
    tierChips.map(([n, name]) => el('label', { class: 'chip' },
      el('input', { type: 'checkbox', name: 'tier', value: n, checked: defaults.context_tiers.includes(n) }), ` ${name}`)),
    field('Other sizes (comma-separated)', 'other_tiers', { value: otherTiers.join(', '), pattern: '[0-9, ]*', inputmode: 'numeric' }),
    el('p', { class: 'note tier-note', 'aria-live': 'polite' }),
    el('p', { class: 'error', 'data-error-for': 'context_tiers' }));

  // Extra parameters: what the chosen models' plugins (and presets) accept, from their rules.
  const extras = el('details', { class: 'extras' }, el('summary', { text: 'More parameters' }), el('div', { class: 'row extras-fields' }),
    el('p', { class: 'error', 'data-error-for': 'params' }));
  const template = field('Prompt template', 'template', { tag: 'select', options: templates.map(([id, name]) => [id, name]) });
  const prompt = field('Prompt', 'prompt', { tag: 'textarea', rows: 4, required: true });
  const form = el('form', { class: 'card', 'aria-labelledby': 'bench-title' },
    el('h2', { id: 'bench-title', text: 'Benchmark' }), picks, template, prompt,
    el('div', { class: 'row' },
      field('Runs per model', 'runs', { type: 'number', min: 1, max: 20, value: defaults.runs }),
      field('Max output tokens', 'max_tokens', { type: 'number', min: 1, value: defaults.max_tokens }),
      field('Temperature', 'temperature', { type: 'number', min: 0, step: 0.1, value: defaults.temperature })),
    tiers, extras,
    el('div', {},
      el('input', { type: 'checkbox', id: 'bench-warmup', name: 'warmup', checked: defaults.warmup }),
      el('label', { for: 'bench-warmup', class: 'inline', text: ' One unrecorded warm-up call per model first' })),
    el('div', {},
      el('input', { type: 'checkbox', id: 'bench-queue', name: 'queue' }),
      el('label', { for: 'bench-queue', class: 'inline', text: ' Queue it after the running job, if there is one' })),
    el('ul', { class: 'adjustments', 'aria-live': 'polite' }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'row' }, el('button', { type: 'submit', id: 'run', text: 'Run' }),
      el('button', { type: 'button', class: 'danger', id: 'cancel', disabled: true, text: 'Cancel' })));
  const promptBox = form.querySelector('textarea[name=prompt]');
  promptBox.value = defaults.prompt;
  form.querySelector('select[name=template]').addEventListener('change', (e) => {
    const chosen = templates.find(([id]) => id === e.target.value);
    promptBox.value = chosen[2] ?? defaults.prompt;
  });
  const status = el('p', { class: 'note', 'aria-live': 'polite', id: 'bench-status' });
  const summary = el('div', { id: 'bench-summary' });
  const rowsBody = el('tbody');
  const results = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Every run' }, el('table', { id: 'live-results' },
    el('caption', { class: 'note', text: 'Every run, as it arrives' }),
    el('thead', {}, el('tr', {}, ['model', 'context', 'run', 'TTFT ms', 'tok/s', 'ITL ms', 'tokens', 'cost $', 'error'].map((c) => el('th', { scope: 'col', text: c })))),
    rowsBody));
  const charts = el('div', { id: 'live-charts' });

  const chosenTargets = () => [...form.querySelectorAll('input[name=target]:checked')].map((c) => targets.find((t) => `${t.provider}/${t.model}` === c.value));
  /** A target's parameter rules: its plugin's, with its preset's laid over them. */
  const rulesOf = (t) => ({ ...((registry[t.plugin] || {}).params || {}), ...(((presets.find((p) => p.id === t.preset) || {}).params) || {}) });
  const extraFields = extras.querySelector('.extras-fields');
  const extraValues = new Map();  // kept while the models chosen change, so a value typed is not lost
  function drawExtras() {
    const offered = new Map();
    for (const t of chosenTargets()) {
      for (const [name, rule] of Object.entries(rulesOf(t))) {
        if (ownFields.has(name) || rule.supported === false) continue;
        const entry = offered.get(name) || { rule, models: [] };
        entry.models.push(t.label);
        offered.set(name, entry);
      }
    }
    for (const input of extraFields.querySelectorAll('[data-param]')) extraValues.set(input.dataset.param, input.type === 'checkbox' ? input.checked : input.value);
    const fields = [...offered.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, { rule, models }]) => {
      const range = rule.min !== undefined || rule.max !== undefined ? ` (${rule.min ?? 'no minimum'} to ${rule.max ?? 'no maximum'})` : '';
      const label = `${name}${range}`;
      const who = models.length < chosenTargets().length ? `only ${models.join(', ')}` : '';
      let f;
      if (rule.type === 'enum') f = field(label, `param-${name}`, { tag: 'select', options: [['', 'not sent'], ...(rule.values || []).map((v) => [v, v])] });
      else if (rule.type === 'boolean') f = field(label, `param-${name}`, { tag: 'select', options: [['', 'not sent'], ['true', 'true'], ['false', 'false']] });
      else if (rule.type === 'number' || rule.type === 'integer') f = field(label, `param-${name}`, { type: 'number', min: rule.min, max: rule.max, step: rule.type === 'integer' ? 1 : 'any', placeholder: 'not sent' });
      else f = field(label, `param-${name}`, { placeholder: rule.type === 'string_array' ? 'comma-separated; not sent if empty' : 'not sent' });
      const input = f.querySelector('input, select');
      input.dataset.param = name; input.dataset.type = rule.type || 'string';
      if (extraValues.has(name)) input.value = extraValues.get(name);
      if (who) f.append(el('p', { class: 'note', text: who }));
      return f;
    });
    extraFields.replaceChildren(...(fields.length ? fields : [el('p', { class: 'note', text: 'The chosen models take no other parameters.' })]));
    extras.querySelector('summary').textContent = `More parameters (${fields.length} the chosen models accept)`;
  }
  /** The extra parameters given, typed as their rules say; empty fields are not sent. */
  function extraParams() {
    const params = {};
    for (const input of extraFields.querySelectorAll('[data-param]')) {
      const raw = input.value.trim();
      if (raw === '') continue;
      const type = input.dataset.type;
      params[input.dataset.param] = type === 'number' || type === 'integer' ? Number(raw) : type === 'boolean' ? raw === 'true'
        : type === 'string_array' ? raw.split(',').map((x) => x.trim()).filter(Boolean) : raw;
    }
    return params;
  }
  function chosenTiers() {
    const picked = [...form.querySelectorAll('input[name=tier]:checked')].map((c) => Number(c.value));
    const typed = form.other_tiers.value.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
    return [...new Set([...picked, ...typed])].sort((a, b) => a - b);
  }
  /** Says which sizes a chosen model's context window cannot hold (those runs would fail). */
  function noteTiers() {
    const tooBig = chosenTargets().filter((t) => t.contextWindow).flatMap((t) => chosenTiers().filter((n) => n >= t.contextWindow).map((n) => `${n} for ${t.label} (window ${t.contextWindow})`));
    form.querySelector('.tier-note').textContent = tooBig.length ? `Larger than the model's context window: ${tooBig.join('; ')}.` : '';
  }

  // Live parameter check against each selected target's plugin (and preset) rules.
  const adjustmentList = form.querySelector('.adjustments');
  async function validate() {
    const chosen = chosenTargets();
    // The list is replaced once, when every answer is in: emptying it first would move the
    // Run button under a pointer already pressing it (a change fires as the field loses focus).
    const items = [];
    for (const t of chosen) {
      try {
        const check = await api('POST', '/api/params/validate', { plugin_id: t.plugin, preset: t.preset || null, model: t.model,
          params: { ...extraParams(), temperature: Number(form.temperature.value), max_tokens: Number(form.max_tokens.value) } });
        for (const a of check.adjustments) items.push(el('li', { text: `${t.model}: ${a.param} ${a.action} ${JSON.stringify(a.original)} → ${JSON.stringify(a.adjusted)} (${a.reason})` }));
      } catch { /* shown on submit */ }
    }
    adjustmentList.replaceChildren(...items);
  }
  form.addEventListener('change', (e) => {
    if (e.target.name === 'target') { drawExtras(); syncPickers(form); }
    noteTiers();
    validate();
  });
  drawExtras(); noteTiers(); validate(); syncPickers(form);

  const collected = [];
  let confidence = new Map();  // target → the server's confidence, once the job's aggregates are in
  const median = (xs) => { const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
  const percentile = (xs, p) => { const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : null; };
  /** One line per model: what a user compares first. */
  function redraw() {
    const byTarget = new Map();
    for (const r of collected) { const list = byTarget.get(r.target) || []; list.push(r); byTarget.set(r.target, list); }
    const rows = [...byTarget.entries()].map(([target, list]) => {
      const ok = list.filter((r) => r.ok);
      const costs = ok.map((r) => r.cost).filter((c) => c !== null && c !== undefined);
      return { target, provider: target.split('/')[0], ok: ok.length, total: list.length, ttft50: median(ok.map((r) => r.ttft_ms)), ttft95: percentile(ok.map((r) => r.ttft_ms), 0.95),
        speed: median(ok.map((r) => r.output_speed)), itl: median(ok.map((r) => r.itl_ms)), cost: costs.length ? costs.reduce((a, b) => a + b, 0) / costs.length : null };
    });
    summary.replaceChildren(rows.length ? table(['model', 'runs ok', 'TTFT p50 ms', 'TTFT p95 ms', 'tok/s (median)', 'ITL ms (median)', 'cost per run $', 'confidence'],
      rows.map((r) => [r.target, `${r.ok}/${r.total}`, fmt(r.ttft50), fmt(r.ttft95), fmt(r.speed), fmt(r.itl, 2), r.cost === null ? '—' : fmt(r.cost, 6),
        confidence.get(r.target) || (confidence.size ? '—' : 'when done')]),
      { caption: 'Summary per model (confidence: high when TTFT and speed vary under 10 % over 3 or more runs, low over 30 % or with one run)',
        numeric: ['TTFT p50 ms', 'TTFT p95 ms', 'tok/s (median)', 'ITL ms (median)', 'cost per run $'], stacked: true }) : '');
    // Bars and points are coloured by provider, with a legend when there are several.
    charts.replaceChildren(...(rows.length ? [
      barChart('Output speed by model (median)', 'tokens/s', rows.map((d) => ({ label: d.target, value: d.speed, group: d.provider }))),
      barChart('Time to first token by model (median)', 'ms', rows.map((d) => ({ label: d.target, value: d.ttft50, group: d.provider }))),
      scatterChart('Speed against TTFT', 'ms TTFT', 'tokens/s', rows.map((d) => ({ label: d.target, x: d.ttft50, y: d.speed, group: d.provider }))),
      histogram('Inter-token latency of every run', 'ms', collected.filter((r) => r.ok).map((r) => r.itl_ms))] : []));
  }

  const run = form.querySelector('#run');
  const cancel = form.querySelector('#cancel');
  /** Follows a job from its first event: a new one, or one found running on return. */
  async function attach(jobId) {
    rowsBody.replaceChildren(); collected.length = 0; confidence = new Map(); redraw();
    run.disabled = true; run.textContent = 'Running…';
    cancel.disabled = false;
    // "Cancelling…" goes up before asking: the job's own "cancelled" event may arrive before
    // the answer to this request, and must not be written over.
    cancel.onclick = async () => { const before = status.textContent; status.textContent = 'Cancelling…';
      try { await api('POST', `/api/jobs/${jobId}/cancel`); } catch (e) { if (status.textContent === 'Cancelling…') status.textContent = before; toast(e); } };
    status.textContent = 'Running…';
    const controller = new AbortController();
    try {
      await follow(jobId, (name, data) => {
        if (name === 'result') {
          collected.push(data);
          rowsBody.append(el('tr', {}, [data.target, data.context_tier, data.run, fmt(data.ttft_ms), fmt(data.output_speed), fmt(data.itl_ms, 2), tokens(data), data.cost === null ? '—' : fmt(data.cost, 6), data.error_class || ''].map((c) => el('td', { text: c }))));
          redraw();
        } else if (name === 'progress') {
          status.textContent = `Running: ${data.done} of ${data.total} runs done`;
        } else if (name === 'skipped') {
          status.textContent = `Skipped ${data.target || ''}: ${data.reason}`;
        } else if (name === 'complete') {
          // The server's confidence per (model, size); a model's is its weakest size's.
          const rank = { low: 0, medium: 1, high: 2 };
          for (const a of data.aggregates || []) {
            const had = confidence.get(a.target);
            if (a.confidence && (!had || rank[a.confidence] < rank[had])) confidence.set(a.target, a.confidence);
          }
          redraw();
          const failed = collected.filter((r) => !r.ok).length;
          status.textContent = collected.length && failed === collected.length
            ? `Every run failed (${failed}): see the error column. The run is kept in History.`
            : `Done: ${collected.length - failed} of ${collected.length} runs succeeded. The run is kept in History.`;
          status.className = collected.length && failed === collected.length ? 'bad' : 'note';
        } else if (name === 'cancelled' || name === 'error') {
          status.textContent = name === 'cancelled' ? 'Cancelled. The runs finished so far are kept in History.' : `The job failed: ${data.message || ''}`;
        }
      }, controller.signal);
    } finally {
      await settled(jobId);  // Run comes back once the job is marked finished
      run.disabled = false; run.textContent = 'Run';
      cancel.disabled = true;
      refreshTray();
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.className = 'note';
    const chosen = [...form.querySelectorAll('input[name=target]:checked')].map((c) => { const [provider, ...rest] = c.value.split('/'); return withProfile(form, { provider, model: rest.join('/') }); });
    const body = { targets: chosen, runs: Number(form.runs.value), max_tokens: Number(form.max_tokens.value), prompt: promptBox.value,
      temperature: Number(form.temperature.value), context_tiers: chosenTiers(), params: extraParams(),
      warmup: form.warmup.checked, queue: form.queue.checked };
    if (body.context_tiers.some((n) => !Number.isInteger(n) || n < 0)) {
      form.querySelector('[data-error-for=context_tiers]').textContent = 'Context sizes are whole numbers of tokens, separated by commas (e.g. 2000, 8000).';
      form.other_tiers.focus();
      return;
    }
    if (!body.context_tiers.length) body.context_tiers = [0];
    let job;
    try { job = await api('POST', '/api/benchmarks', body); } catch (e) { showError(form, e); return; }
    refreshTray();
    await attach(job.job_id);
  });

  // A first run: what to do, in three steps (until there is a run, or the user closes it).
  let guide = null;
  // Remembered per user: someone new on a shared browser still gets the guide.
  const guideKey = `studio.guide.closed.${(session.user && session.user.id) || ''}`;
  if (!localStorage.getItem(guideKey)) {
    const { runs } = await api('GET', '/api/runs?kind=benchmark').catch(() => ({ runs: [1] }));
    // Asked once: someone with runs has found their way, and never sees it again here.
    if (runs.length) localStorage.setItem(guideKey, '1');
    else {
      guide = el('section', { class: 'card guide', 'aria-labelledby': 'guide-title' },
        el('h2', { id: 'guide-title', text: 'Getting started' }),
        el('ol', {},
          el('li', { text: 'Try it at once on the built-in simulator: the “sim-…” models below answer like real providers, offline, with the timing their names say. Press Run.' }),
          el('li', {}, 'Then add your own provider: ', el('a', { href: '#/providers', text: 'Providers & keys' }), ' → “Add a known provider”, save its API key, and “Test connection and list models”.'),
          el('li', {}, 'Every run is kept in ', el('a', { href: '#/history', text: 'History' }), ': open one, compare runs, export CSV. Tool calling is measured under ', el('a', { href: '#/evals', text: 'Tool eval' }), '.')),
        el('button', { type: 'button', class: 'secondary', text: 'Close this guide', onclick: () => { localStorage.setItem(guideKey, '1'); guide.remove(); } }));
    }
  }

  // Back on the page while a benchmark runs (or waits): follow it again.
  const running = await activeJob('benchmark').catch(() => null);
  if (running) attach(running.id);
  return el('div', {}, guide, form, status, summary, results, charts);
}
