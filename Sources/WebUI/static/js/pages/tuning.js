// Tuning: which temperature, top_p, … (or system prompt) make a model call tools best on one
// of the user's suites, within a budget — and does the best really beat the baseline on a
// fresh run (docs/tuning.md)? Two forms behind one choice at the top: tune the parameters
// (a search space), or tune the system prompt (a writer model proposes prompts,
// tuning/prompt-form.js). A run of either is a job of kind "tune": followed live here
// (trials, charts, then the headline), picked up again when the user comes back (jobs.js),
// and kept under Past runs to open, export, resume or delete.
import { api, download, follow } from '../api.js';
import { activeJob, refreshTray, settled } from '../jobs.js';
import { describeSimModel } from '../sim.js';
import { el, table, when, toast } from '../ui.js';
import { checkbox, clearRefusals, control, refuse, showRefusal } from '../tuning/controls.js';
import { promptForm } from '../tuning/prompt-form.js';
import { isPromptRun, paramsText, writerAdvice } from '../tuning/prompt-words.js';
import { runView } from '../tuning/report.js';
import { spaceEditor } from '../tuning/space.js';
import { configText, estimateText, score, valueText, verdictWord } from '../tuning/words.js';

/** The simulator's model whose tool calling depends on temperature and top_p (docs/simulator.md). */
const SURFACE_MODEL = 'sim-ttft5-gap1-toolssurface';
const START_SPACE = { temperature: { min: 0, max: 1.5, step: 0.05 }, top_p: { min: 0.5, max: 1, step: 0.05 } };
const STRATEGIES = [
  ['tpe', 'TPE (recommended)', 'learns where good scores are and tries more configurations there.'],
  ['random', 'Random', 'draws configurations at random: a fair yardstick for the other two.'],
  ['grid', 'Grid', 'tries every configuration in order: for small spaces whose ranges all have a step.'],
];

/** Models that can call tools: any real model (the studio cannot tell), and of the
 *  simulator's only those whose name says they call tools. */
const callsTools = (id) => !/^sim(-|$)/.test(id) || /-tools[a-z]+(-|$)/.test(id);

export async function render() {
  const root = el('div', { class: 'tuning' });
  let suites = [], models = [], simProvider = null;
  let busy = null;  // the job being followed, while it runs

  // ——— The form ———
  const suiteSelect = el('select', { id: 'tune-suite', name: 'suite_id', 'aria-describedby': 'tune-suite-error' });
  const modelSelect = el('select', { id: 'tune-model', name: 'target', 'aria-describedby': 'tune-model-about tune-model-error' });
  const modelAbout = el('p', { class: 'note hint', id: 'tune-model-about' });
  const setupBox = el('div', { id: 'tune-setup' });
  const space = spaceEditor(START_SPACE);
  const estimateBox = el('p', { id: 'tune-estimate', class: 'estimate', role: 'status', 'aria-live': 'polite' });
  const estimateButton = el('button', { type: 'button', class: 'secondary', id: 'tune-estimate-button', text: 'Estimate' });
  const startButton = el('button', { type: 'submit', id: 'tune-start', text: 'Start tuning' });
  const halving = checkbox('tune-halving', 'halving', 'Successive halving', 'Each trial runs every case once; only trials among the best third so far get the remaining repeats. Saves calls.', true);
  const form = el('form', { class: 'card', id: 'tune-form', 'aria-labelledby': 'tune-title', novalidate: true },
    el('h2', { id: 'tune-title', text: 'Tune parameters' }),
    el('p', { class: 'note', text: 'Find the settings under which a model calls tools best on one of your suites: each trial runs the suite with one configuration, within the budget you set; then the best is run again against your baseline, case by case, to check that it really is better.' }),
    setupBox,
    el('div', { class: 'row pick' },
      el('div', {}, el('label', { for: 'tune-suite', text: 'Suite' }), suiteSelect, el('p', { class: 'error', id: 'tune-suite-error', 'data-error-for': 'suite_id' })),
      el('div', { class: 'model-field' }, el('label', { for: 'tune-model', text: 'Model' }), modelSelect, modelAbout, el('p', { class: 'error', id: 'tune-model-error', 'data-error-for': 'target' }))),
    el('fieldset', { class: 'space' }, el('legend', { text: 'Search space: what to vary' }),
      el('p', { class: 'note', text: 'One row per parameter: a range (min to max, in steps) or a list of values. Any parameter your provider takes can be named, and system_prompt tries whole system prompts.' }),
      space.node),
    el('fieldset', { class: 'strategy' }, el('legend', { text: 'Strategy' }),
      STRATEGIES.map(([value, name, about], i) => el('div', { class: 'choice' },
        el('input', { type: 'radio', id: `tune-strategy-${value}`, name: 'strategy', value, checked: i === 0 || null, 'aria-describedby': `tune-strategy-${value}-about` }),
        el('label', { for: `tune-strategy-${value}`, class: 'inline', text: ` ${name}` }),
        el('span', { class: 'note', id: `tune-strategy-${value}-about`, text: ` — ${about}` }))),
      el('p', { class: 'error', 'data-error-for': 'strategy' })),
    el('div', { class: 'row' },
      control('Trials', 'trials', { type: 'number', min: 1, max: 500, value: 30, inputmode: 'numeric' }, 'At most this many configurations (1–500).'),
      control('Repeats of each case', 'repeat', { type: 'number', min: 1, max: 10, value: 1, inputmode: 'numeric' }, 'More repeats give steadier scores (1–10).'),
      control('Seed', 'seed', { type: 'number', min: 0, value: 1, inputmode: 'numeric' }, 'The same seed and scores give the same trials.')),
    halving,
    el('fieldset', { class: 'baseline' }, el('legend', { text: 'Baseline: the configuration to beat' }),
      el('p', { class: 'note', text: 'Empty fields: the model’s own defaults.' }),
      el('div', { class: 'row' },
        control('Temperature', 'baseline.temperature', { inputmode: 'decimal' }),
        control('top_p', 'baseline.top_p', { inputmode: 'decimal' })),
      el('details', {}, el('summary', { text: 'Other baseline parameters and a system prompt' }),
        control('Other parameters (JSON object)', 'baseline.params', { tag: 'textarea', rows: 2, spellcheck: 'false', placeholder: '{"top_k": 40}' }),
        control('System prompt (empty: the suite’s)', 'baseline.system_prompt', { tag: 'textarea', rows: 2 })),
      el('p', { class: 'error', 'data-error-for': 'baseline' })),
    el('fieldset', { class: 'budget' }, el('legend', { text: 'Budget' }),
      el('div', { class: 'row' },
        control('Max calls', 'budget.max_calls', { type: 'number', min: 1, value: 2000, inputmode: 'numeric' }, 'Calls to the model, trials and confirmation together.'),
        control('Max USD (optional)', 'budget.max_cost_usd', { type: 'number', min: 0, step: 'any', inputmode: 'decimal' }, 'Needs the model’s prices.')),
      el('p', { class: 'error', 'data-error-for': 'budget' })),
    checkbox('tune-confirm', 'confirm', 'Confirm the best against the baseline',
      'Runs both again on the same cases and compares them case by case: the best of many noisy trials looks better than it is.', true),
    el('details', { class: 'more' }, el('summary', { text: 'More settings' }),
      el('div', { class: 'row' },
        control('Tool choice', 'tool_choice', { tag: 'select', options: [['auto', 'auto'], ['required', 'required'], ['none', 'none']] }),
        control('Max tokens', 'max_tokens', { type: 'number', min: 1, value: 512, inputmode: 'numeric' }))),
    checkbox('tune-queue', 'queue', 'Queue it after the running job, if there is one', null),
    estimateBox,
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, estimateButton, startButton));
  const input = (name) => form.elements.namedItem(name);
  const prompt = promptForm({
    start: async (job, body) => { refreshTray(); await attach(job.job_id, job.state, body, true); },
    reload: () => load(),
  });

  // Halving only matters with more than one repeat.
  const repeatInput = input('repeat'), halvingBox = halving.querySelector('input');
  const syncHalving = () => { halvingBox.disabled = !(Number(repeatInput.value) > 1); };
  repeatInput.addEventListener('input', syncHalving);
  syncHalving();
  modelSelect.addEventListener('change', () => { modelAbout.textContent = describeSimModel(modelSelect.value.split('/').slice(1).join('/')) || ''; });

  function clearErrors() {
    clearRefusals(form);
    space.clear();
  }

  /** A refusal in words next to its field (a search-space one next to its row). */
  function refused(error) {
    space.clear();
    showRefusal(form, error, { mine: (path, message) => path.startsWith('space') && space.showError(path, message, error.row) });
  }

  /** The form as a tuning request; throws a refusal naming the field. */
  function request() {
    if (!modelSelect.value) throw refuse('target', 'choose a model first (see above).');
    const [provider, ...rest] = modelSelect.value.split('/');
    const whole = (name, low, high) => {
      const n = Number(input(name).value);
      if (input(name).value.trim() === '' || !Number.isInteger(n) || n < low || n > high) throw refuse(name, `give a whole number from ${low} to ${high}.`);
      return n;
    };
    const decimal = (name) => {
      const text = input(name).value.trim();
      if (text === '') return undefined;
      const n = Number(text);
      if (!Number.isFinite(n)) throw refuse(name, `${text} is not a number.`);
      return n;
    };
    const body = { suite_id: suiteSelect.value, target: { provider, model: rest.join('/') }, space: space.value(),
      strategy: form.querySelector('input[name=strategy]:checked').value,
      trials: whole('trials', 1, 500), repeat: whole('repeat', 1, 10), seed: whole('seed', 0, Number.MAX_SAFE_INTEGER),
      budget: { max_calls: whole('budget.max_calls', 1, 1000000) }, confirm: input('confirm').checked,
      tool_choice: input('tool_choice').value, max_tokens: whole('max_tokens', 1, 100000) };
    if (body.repeat > 1) body.halving = halvingBox.checked;
    const usd = decimal('budget.max_cost_usd');
    if (usd !== undefined) {
      if (!(usd > 0)) throw refuse('budget.max_cost_usd', 'give an amount above 0, or leave it empty for no limit in dollars.');
      body.budget.max_cost_usd = usd;
    }
    // The baseline: its two fields, then any other parameters as JSON.
    const params = {};
    const extra = input('baseline.params').value.trim();
    if (extra) {
      let parsed;
      try { parsed = JSON.parse(extra); } catch { throw refuse('baseline.params', 'this is not valid JSON. Write an object with keys in double quotes, e.g. {"top_k": 40}.'); }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw refuse('baseline.params', 'write a JSON object in braces, e.g. {"top_k": 40}.');
      Object.assign(params, parsed);
    }
    for (const name of ['temperature', 'top_p']) { const v = decimal(`baseline.${name}`); if (v !== undefined) params[name] = v; }
    body.baseline = { params };
    const prompt = input('baseline.system_prompt').value;
    if (prompt.trim()) body.baseline.system_prompt = prompt;
    return body;
  }

  /** The form as a request asked it (back on the page while it runs). */
  function showRequest(asked) {
    if (suites.some((s) => s.id === asked.suite_id)) suiteSelect.value = asked.suite_id;
    const target = asked.target ? `${asked.target.provider}/${asked.target.model}` : null;
    if (target && [...modelSelect.options].some((o) => o.value === target)) { modelSelect.value = target; modelSelect.dispatchEvent(new Event('change')); }
    if (asked.space) space.set(asked.space);
    const radio = form.querySelector(`input[name=strategy][value="${CSS.escape(asked.strategy || 'tpe')}"]`);
    if (radio) radio.checked = true;
    for (const name of ['trials', 'repeat', 'seed', 'tool_choice', 'max_tokens']) if (asked[name] !== undefined && asked[name] !== null) input(name).value = asked[name];
    const params = { ...((asked.baseline && asked.baseline.params) || {}) };
    for (const name of ['temperature', 'top_p']) { input(`baseline.${name}`).value = params[name] ?? ''; delete params[name]; }
    input('baseline.params').value = Object.keys(params).length ? JSON.stringify(params) : '';
    input('baseline.system_prompt').value = (asked.baseline && asked.baseline.system_prompt) || '';
    if (asked.budget) { input('budget.max_calls').value = asked.budget.max_calls ?? 2000; input('budget.max_cost_usd').value = asked.budget.max_cost_usd ?? ''; }
    input('confirm').checked = asked.confirm !== false;
    halvingBox.checked = asked.halving !== false;
    syncHalving();
  }

  function updateButtons() {
    const ready = suites.length > 0 && models.length > 0;
    startButton.disabled = Boolean(busy) || !ready;
    estimateButton.disabled = !ready;
    startButton.textContent = busy ? 'Tuning…' : 'Start tuning';
    prompt.setBusy(busy);
  }

  // ——— Suites and models, with what to do when either is missing ———
  async function load() {
    const [{ suites: list }, { providers }] = await Promise.all([api('GET', '/api/suites'), api('GET', '/api/providers')]);
    suites = list;
    simProvider = providers.find((p) => p.slug === 'sim-openai') || null;
    models = providers.flatMap((p) => p.models.filter((m) => callsTools(m.model_id)).map((m) => ({ value: `${p.slug}/${m.model_id}`, model: m.model_id,
      label: `${m.display_name || m.model_id} — ${p.slug}` })));
    // The tuning surface first: it is the simulator's model with something to find.
    models.sort((a, b) => Number(/toolssurface/.test(b.model)) - Number(/toolssurface/.test(a.model)));
    const keep = (select, options) => {
      const chosen = select.value;
      select.replaceChildren(...options.map(([value, text]) => el('option', { value, text })));
      if (options.some(([value]) => value === chosen)) select.value = chosen;
      select.disabled = options.length === 0;
    };
    keep(suiteSelect, suites.map((s) => [s.id, `${s.name} (${s.cases} case${s.cases === 1 ? '' : 's'})`]));
    keep(modelSelect, models.map((m) => [m.value, m.label]));
    modelSelect.dispatchEvent(new Event('change'));
    drawSetup();
    await prompt.update({ suites, providers, simProvider });
    updateButtons();
  }

  function drawSetup() {
    const missing = [];
    if (!suites.length) {
      missing.push(el('p', {}, 'You have no suites yet. A suite holds the tools a model may call and the cases it is scored on: create or import one on the ',
        el('a', { href: '#/evals', text: 'Tool eval' }), ' page, then come back.'));
    }
    if (!models.length) {
      const addSim = simProvider && el('button', { type: 'button', class: 'secondary', text: `Add ${SURFACE_MODEL}`,
        'aria-label': `Add the simulator's tuning model ${SURFACE_MODEL}`, onclick: async () => {
          try { await api('POST', `/api/providers/${simProvider.id}/models`, { model_id: SURFACE_MODEL }); await load(); toast(`Added ${SURFACE_MODEL}.`); modelSelect.focus(); } catch (err) { toast(err); }
        } });
      missing.push(el('p', {}, 'You have no model that calls tools. Any chat model with tool (function) calling works: add yours under ',
        el('a', { href: '#/providers', text: 'Providers & keys' }), '. To try without an API key, use the simulator’s ', el('code', { text: SURFACE_MODEL }),
        ', which calls tools best near temperature 0.35, top_p 0.8.'), addSim || null);
    }
    setupBox.replaceChildren(...(missing.length
      ? [el('div', { class: 'empty', id: 'tune-empty' }, el('p', { text: 'Tune a model: pick a suite and a model, say which parameters to vary, press Estimate to see what it takes, then Start tuning.' }), ...missing)]
      : []));
  }

  // ——— Estimate and start ———
  estimateButton.addEventListener('click', async () => {
    clearErrors();
    estimateBox.textContent = '';
    try {
      const body = request();
      estimateBox.textContent = 'Estimating…';
      const { estimate } = await api('POST', '/api/tuning/estimate', body);
      estimateBox.textContent = estimateText(estimate, body.trials);
    } catch (err) { estimateBox.textContent = ''; refused(err); }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    clearErrors();
    let body, job;
    try {
      body = request();
      job = await api('POST', '/api/tuning', { ...body, queue: input('queue').checked });
    } catch (err) { refused(err); return; }
    estimateBox.textContent = estimateText(job.estimate, body.trials);
    refreshTray();
    await attach(job.job_id, job.state, body, true);
  });

  // ——— A run as it happens (new, resumed, or found running on return) ———
  // At the top of the page: what runs now is what the user comes back for.
  const live = el('section', { id: 'tune-live', class: 'card', 'aria-label': 'The tuning run', hidden: true });
  const cancelButton = el('button', { type: 'button', class: 'danger', id: 'tune-cancel', text: 'Cancel tuning' });

  async function attach(jobId, state, asked, focus = false) {
    busy = jobId; updateButtons();
    const prompts = isPromptRun(asked);
    const view = runView('tune', 'h2', { prompts });
    const suite = suites.find((s) => s.id === asked.suite_id);
    if (prompts) view.start(asked, `Tuning the system prompt of ${asked.target ? asked.target.model : 'a model'}${suite ? ` on ${suite.name}` : ''}`, promptAbout(asked));
    else view.start(asked, `Tuning ${asked.target ? asked.target.model : 'a model'}${suite ? ` on ${suite.name}` : ''}`);
    const actions = view.actions;
    actions.append(cancelButton);
    live.replaceChildren(view.node);
    live.hidden = false;
    if (focus) { view.title.scrollIntoView({ block: 'start' }); view.title.focus(); }
    view.say(state === 'queued' ? 'Queued: it starts when your running job ends.' : 'Starting…');
    cancelButton.hidden = false; cancelButton.disabled = false;
    cancelButton.onclick = async () => {
      cancelButton.disabled = true;
      // Said before asking: the job's "cancelled" event can beat this request's answer.
      const before = view.line.textContent; view.say('Cancelling…');
      try { await api('POST', `/api/jobs/${jobId}/cancel`); } catch (err) { if (view.line.textContent === 'Cancelling…') view.say(before); toast(err); cancelButton.disabled = false; }
    };
    // A resumed run's earlier trials are not in this job's events: read them from the run.
    let tuningId = asked.resume_id || null, preloaded = false;
    const preload = (id) => {
      if (preloaded) return; preloaded = true;
      api('GET', `/api/tuning/${id}`).then((run) => view.addAll(run.trials)).catch((err) => toast(err));
    };
    if (tuningId) preload(tuningId);
    let ended = false;
    const ending = (name, data) => {
      if (name === 'complete' || name === 'cancelled') view.finish(data.summary, name === 'complete' ? 'done' : 'cancelled');
      else if (name === 'error') { if (prompts && writerFailure(data.message)) view.writerError(data.message); view.say(failedText(data.message, prompts), true); }
      else return;
      ended = true;
    };
    const controller = new AbortController();
    // Leaving the page stops following here (the tray keeps the job in view); coming back follows it again.
    const leave = () => controller.abort();
    window.addEventListener('hashchange', leave, { once: true });
    try {
      await follow(jobId, (name, data) => {
        if (name === 'tuning') {
          tuningId = data.tuning_id;
          if (data.resumed_after) preload(data.tuning_id);
          view.say(data.resumed_after ? `Resuming after trial ${data.resumed_after} of ${data.trials}…`
            : prompts ? `Starting: the writer proposes the first prompts (up to ${data.trials} in all)…` : `Starting: up to ${data.trials} trials…`);
        } else if (name === 'trial') view.add(data);
        else if (name === 'writer_error') view.writerError(data.message);
        else if (name === 'progress') view.progress(data);
        else ending(name, data);
      }, controller.signal);
    } catch (err) {
      view.say(`Lost track of the run: ${err.message}. It is still listed under Running jobs at the bottom.`, true);
    } finally {
      window.removeEventListener('hashchange', leave);
      if (!controller.signal.aborted) {
        // Start comes back once the job is marked finished; if its stream ended without the
        // run's last event, the stored run has the last word.
        const job = await settled(jobId, ended ? 4 : 120);
        if (!ended && tuningId) {
          try {
            const run = await api('GET', `/api/tuning/${tuningId}`);
            view.addAll(run.trials);
            if (run.summary) view.finish(run.summary, run.status);
            else if (job && job.state === 'failed') { if (prompts && writerFailure(job.error)) view.writerError(job.error); view.say(failedText(job.error, prompts), true); }
          } catch (err) { toast(err); }
        }
        // Another run may have started meanwhile (Resume): its state is its own.
        if (busy === jobId) { busy = null; updateButtons(); cancelButton.hidden = true; }
        // Only now, with the job marked finished, may a cancelled run be resumed.
        if (view.status === 'cancelled' && tuningId) {
          actions.append(el('button', { type: 'button', class: 'secondary', id: 'tune-resume-live', text: 'Resume this run', onclick: (e) => { e.currentTarget.remove(); resume(tuningId); } }));
        }
        // The finished run stays on top until the user puts it away (it is also under Past runs).
        actions.append(el('button', { type: 'button', class: 'secondary', id: 'tune-close', text: 'Close', 'aria-label': 'Close this run (it stays under Past tuning runs)',
          onclick: () => { live.hidden = true; live.replaceChildren(); const h = (prompts ? prompt.node : form).querySelector('h2'); h.setAttribute('tabindex', '-1'); h.focus(); } }));
        refreshTray(); loadPast().catch(() => {});
      }
    }
  }

  /** A prompt run in a line: its writer, mode and fixed parameters. */
  function promptAbout(asked) {
    const rounds = asked.mode === 'evolutionary'
      ? `evolutionary: ${asked.population ?? 6} prompts a generation for ${asked.generations ?? 3} generation${(asked.generations ?? 3) === 1 ? '' : 's'}, the best ${asked.survivors ?? 2} shown to the writer each time`
      : `quick: ${asked.candidates ?? 6} prompts in one round`;
    const seeds = (asked.seeds || []).length ? `, starting from ${asked.seeds.length} library prompt${asked.seeds.length === 1 ? '' : 's'}` : '';
    return `Writer ${asked.writer ? asked.writer.model : '—'} · ${rounds}${seeds} · fixed: ${paramsText(asked.params)}.`;
  }

  /** A prompt run's failure for want of a usable answer from its writer (its generation in [1]). */
  const writerFailure = (message) => /^generation (\d+): the writer's answer/.exec(message || '');

  /** Why a run failed, in words; a prompt run's writer failures with what to do. */
  function failedText(message, prompts) {
    const writer = prompts && writerFailure(message);
    if (writer) return `The prompt tuning run failed: the writer gave no usable prompt in generation ${writer[1]} (below), so there was nothing to score. ${writerAdvice}`;
    return `The tuning run failed: ${message || 'no reason given'}. Its trials so far are kept under Past runs, where you can resume it.`;
  }

  async function resume(id) {
    let job;
    try { job = await api('POST', `/api/tuning/${id}/resume`); } catch (err) { toast(err); return; }
    refreshTray();
    let run = {};
    try { run = await api('GET', `/api/tuning/${id}`); } catch { /* the live view reads it again */ }
    loadPast().catch(() => {});
    await attach(job.job_id, job.state, { ...(run.request || {}), resume_id: id }, true);
  }

  // ——— A stored run, opened ———
  const viewer = el('section', { id: 'tune-view', class: 'card', 'aria-label': 'An opened tuning run', hidden: true });
  async function open(id, n) {
    let run;
    try { run = await api('GET', `/api/tuning/${id}`); } catch (err) { toast(err); return; }
    const prompts = run.kind === 'prompts';
    const view = runView('tune-view', 'h3', { prompts });
    const suite = suites.find((s) => s.id === run.suite_id);
    view.start(run.request, `${prompts ? 'Prompt tuning' : 'Tuning'} run ${n}: ${run.request.target.model}${suite ? ` on ${suite.name}` : ''}, started ${when(run.started_at)}`,
      prompts ? promptAbout(run.request) : null);
    view.addAll(run.trials);
    if (run.summary) view.finish(run.summary, run.status);
    else view.say(run.status === 'running' ? 'Still running, or interrupted: its trials so far are shown.' : `It ${run.status === 'failed' ? 'failed' : 'stopped'} after ${run.trials.length} trials; resume it to go on.`);
    const close = el('button', { type: 'button', class: 'secondary', text: 'Close', 'aria-label': `Close tuning run ${n}`, onclick: () => { viewer.hidden = true; viewer.replaceChildren(); } });
    view.actions.append(close);
    viewer.replaceChildren(view.node);
    viewer.hidden = false;
    view.title.scrollIntoView({ block: 'start' });
    view.title.focus();
  }

  // ——— Past runs ———
  const pastBox = el('div', { id: 'tune-past' });
  async function loadPast() {
    const [{ tuning_runs: runs }, running, queued] = await Promise.all([api('GET', '/api/tuning'), api('GET', '/api/jobs?state=running'), api('GET', '/api/jobs?state=queued')]);
    // A run marked running whose job no longer runs was interrupted (its server stopped).
    const active = new Set([...running.jobs, ...queued.jobs].map((j) => j.id));
    const statusOf = (r) => (r.status === 'running' && !active.has(r.job_id) ? 'interrupted' : r.status);
    const suiteName = (id) => (suites.find((s) => s.id === id) || {}).name || '—';
    pastBox.replaceChildren(runs.length
      ? table(['started', 'kind', 'suite', 'model', 'status', 'trials', 'best', 'verdict', 'actions'], runs.map((r, i) => {
        const n = runs.length - i;
        const status = statusOf(r);
        const s = r.summary;
        const prompts = r.kind === 'prompts';
        // A prompt run's best is its prompt (its other parameters were fixed).
        const best = s && s.best ? `${score(s.best.score)} (${prompts ? valueText((s.best.config || {}).system_prompt || '') : configText(s.best.config)})` : '—';
        const resumable = ['cancelled', 'failed', 'interrupted'].includes(status);
        return [when(r.started_at), prompts ? 'prompt' : 'parameters', suiteName(r.suite_id), r.request.target.model, status, s ? String(s.trials) : '—', best, verdictWord(s),
          el('div', { class: 'actions' },
            el('button', { type: 'button', class: 'secondary', text: 'Open', 'aria-label': `Open tuning run ${n}`, onclick: () => open(r.id, n) }),
            el('button', { type: 'button', class: 'secondary', text: 'Export CSV', 'aria-label': `Export tuning run ${n} as CSV`,
              onclick: () => download(`/api/tuning/${r.id}/export?format=csv`, `tuning-run-${n}-${r.request.target.model}.csv`).catch((err) => toast(err)) }),
            resumable ? el('button', { type: 'button', class: 'secondary', text: 'Resume', 'aria-label': `Resume tuning run ${n}`, disabled: Boolean(busy) || null,
              onclick: () => resume(r.id) }) : null,
            el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete tuning run ${n}`, disabled: status === 'running' || null, onclick: async () => {
              if (!confirm(`Delete tuning run ${n} (${r.request.target.model}, started ${when(r.started_at)}) and its trials?`)) return;
              try { await api('DELETE', `/api/tuning/${r.id}`); toast(`Deleted tuning run ${n}.`); await loadPast(); } catch (err) { toast(err); }
            } }))];
      }), { caption: 'Newest first', stacked: true })
      : el('p', { class: 'empty', id: 'tune-no-runs', text: 'No tuning runs yet. Tune a model: pick a suite and a model above, keep the suggested search space (temperature and top_p), press Estimate to see what it takes, then Start tuning. Each run, of parameters or of a system prompt, is kept here to open again, export, resume or delete.' }));
  }

  // ——— What to tune: the parameters or the system prompt ———
  const WHAT = [
    ['params', 'Tune parameters', 'Which temperature, top_p, top_k or tool choice make the model call tools best: trials over a search space you set.'],
    ['prompt', 'Tune the system prompt', 'A writer model proposes system prompts and improves on the best; the winner is saved to your prompt library.'],
  ];
  const choice = el('section', { class: 'card tune-what', 'aria-labelledby': 'tune-what-title' },
    el('h2', { id: 'tune-what-title', text: 'Tuning' }),
    el('fieldset', { class: 'what-choices' }, el('legend', { text: 'What do you want to tune?' }),
      WHAT.map(([value, name, about]) => el('div', { class: 'what-choice' },
        el('input', { type: 'radio', id: `tune-what-${value}`, name: 'tune-what', value, 'aria-describedby': `tune-what-${value}-about` }),
        el('label', { for: `tune-what-${value}`, class: 'inline', text: ` ${name}` }),
        el('p', { class: 'note', id: `tune-what-${value}-about`, text: about })))));
  /** Shows one form; the address remembers which (#/tuning?what=prompt), without a reload. */
  function show(what, remember = true) {
    choice.querySelector(`#tune-what-${what}`).checked = true;
    form.hidden = what !== 'params';
    prompt.node.hidden = what !== 'prompt';
    if (remember) history.replaceState(null, '', what === 'prompt' ? '#/tuning?what=prompt' : '#/tuning');
  }
  for (const radio of choice.querySelectorAll('input[name=tune-what]')) radio.addEventListener('change', () => show(radio.value));
  show(new URLSearchParams(location.hash.split('?')[1] || '').get('what') === 'prompt' ? 'prompt' : 'params', false);

  await load();
  await loadPast();
  root.append(live, choice, form, prompt.node,
    el('section', { 'aria-labelledby': 'tune-past-title' }, el('h2', { id: 'tune-past-title', text: 'Past tuning runs' }), viewer, pastBox));

  // Back on the page while a run goes on (or waits): follow it again, under its own form.
  const running = await activeJob('tune').catch(() => null);
  if (running) {
    const asked = running.request || {};
    if (isPromptRun(asked)) { show('prompt', false); prompt.showRequest(asked); } else { show('params', false); showRequest(asked); }
    attach(running.id, running.state, asked);
  }
  return root;
}
