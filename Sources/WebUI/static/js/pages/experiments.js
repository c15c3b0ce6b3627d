// Experiments (docs/tuning.md): one question kept in one place — a suite, the models compared
// on it and a baseline configuration. Every eval and tuning run linked to it lands on its
// timeline with each model's score, cost, latency and its delta from the baseline eval (95 %
// interval, verdict). Here a user creates one, opens it (#/experiments?id=…), runs the
// baseline or the best again (an eval job, followed live and picked up again on return),
// tries another configuration, pins a new baseline, saves a configuration as a model profile,
// renames or deletes it. Model profiles are listed and added by hand at the bottom: they come
// out of experiments, and a user who just saved one sees it there.
import { api, follow } from '../api.js';
import { refreshTray, settled } from '../jobs.js';
import { describeSimModel } from '../sim.js';
import { el, table, toast } from '../ui.js';
import { adjustmentLines, clearOnInput, clearRefusals, configEditor, control, refuse, showRefusal } from '../experiments/form.js';
import { profilesSection, saveProfileForm } from '../experiments/profiles.js';
import { scoreChart, timelineTable } from '../experiments/timeline.js';
import { configText, deltaExplained, modelLabel, score, targetKey, when as shortWhen } from '../experiments/words.js';

/** The simulator's model whose tool calling depends on temperature and top_p (docs/simulator.md). */
const SURFACE_MODEL = 'sim-ttft5-gap1-toolssurface';

/** Models that can call tools: any real model (the studio cannot tell), and of the
 *  simulator's only those whose name says they call tools. */
const callsTools = (id) => !/^sim(-|$)/.test(id) || /-tools[a-z]+(-|$)/.test(id);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The user's eval job (running, else queued) on an experiment (any when `id` is null). */
async function experimentJob(id) {
  for (const state of ['running', 'queued']) {
    const { jobs } = await api('GET', `/api/jobs?state=${state}`);
    const job = jobs.find((j) => j.kind === 'eval' && j.request && j.request.experiment_id && (!id || j.request.experiment_id === id));
    if (job) return job;
  }
  return null;
}

const openHash = (id) => `#/experiments?id=${encodeURIComponent(id)}`;

/** Shows the page at `hash` afresh (app.js renders on a hash change; the same hash again
 *  is told so). */
function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export async function render() {
  const root = el('div', { class: 'experiments' });
  const wanted = new URLSearchParams(location.hash.split('?')[1] || '').get('id');
  const [{ experiments }, { suites }, { providers }] = await Promise.all([api('GET', '/api/experiments'), api('GET', '/api/suites'), api('GET', '/api/providers')]);
  const models = providers.flatMap((p) => p.models.map((m) => ({ value: `${p.slug}/${m.model_id}`, provider: p.slug, model: m.model_id,
    label: `${m.display_name || m.model_id} — ${p.slug}`, plugin: p.plugin_id, preset: p.preset })));
  const toolModels = models.filter((m) => callsTools(m.model));
  const simProvider = providers.find((p) => p.slug === 'sim-openai') || null;
  const suiteName = (id) => (suites.find((s) => s.id === id) || {}).name || 'a deleted suite';
  const profiles = profilesSection(models);

  // ——— The list, or what an experiment is and what to do ———
  const createForm = buildCreateForm();
  const listBox = el('section', { 'aria-labelledby': 'exp-list-title', id: 'exp-list' }, el('h2', { id: 'exp-list-title', text: 'Your experiments' }),
    experiments.length
      ? table(['experiment', 'suite', 'models', 'baseline', 'changed', 'actions'], experiments.map((e) => [e.name, suiteName(e.suite_id),
        e.targets.map((t) => t.model).join(', '), configText(e.baseline), shortWhen(e.updated_at),
        el('button', { type: 'button', class: 'secondary', text: 'Open', 'aria-label': `Open experiment ${e.name}`, onclick: () => go(openHash(e.id)) })]),
      { caption: 'Most recently changed first', stacked: true })
      : el('div', { class: 'empty', id: 'exp-empty' },
        el('p', { text: 'No experiments yet. An experiment keeps one question in one place — “which settings make these models call tools best on this suite?” — as a suite, the models you compare on it and a baseline configuration (say temperature 1, top_p 1).' }),
        el('p', { text: 'Every eval and tuning run you link to it lands on its timeline, with each model’s score, cost and latency and how far it moved from the baseline — and whether that move is real or noise.' }),
        el('p', { text: 'To start: create one below, then press Run baseline. Then try other configurations on it and watch the timeline.' }),
        el('button', { type: 'button', class: 'secondary', text: 'Create an experiment', onclick: () => createForm.querySelector('input[name=name]').focus() })));

  // ——— Creating one ———
  function buildCreateForm() {
    const suiteSelect = el('select', { id: 'exp-suite', name: 'suite_id', 'aria-describedby': 'exp-suite-error', disabled: suites.length === 0 || null },
      suites.map((s) => el('option', { value: s.id, text: `${s.name} (${plural(s.cases, 'case')})` })));
    const baseline = configEditor('baseline', { legend: 'Baseline: the configuration to beat',
      note: 'Every later run is compared with this one, case by case. Empty fields: the model’s own settings (else temperature 0, the eval default).' });
    const adjustments = el('ul', { class: 'adjustments', id: 'exp-adjustments', 'aria-live': 'polite' });
    const missing = [];
    if (!suites.length) {
      missing.push(el('p', {}, 'You have no suites yet. A suite holds the tools a model may call and the cases it is scored on: create or import one on the ',
        el('a', { href: '#/evals', text: 'Tool eval' }), ' page, then come back.'));
    }
    if (!toolModels.length) {
      const addSim = simProvider && el('button', { type: 'button', class: 'secondary', text: `Add ${SURFACE_MODEL}`,
        'aria-label': `Add the simulator's tuning model ${SURFACE_MODEL}`, onclick: async () => {
          try { await api('POST', `/api/providers/${simProvider.id}/models`, { model_id: SURFACE_MODEL }); toast(`Added ${SURFACE_MODEL}.`); go(location.hash); } catch (err) { toast(err); }
        } });
      missing.push(el('p', {}, 'You have no model that calls tools. Any chat model with tool (function) calling works: add yours under ',
        el('a', { href: '#/providers', text: 'Providers & keys' }), '. To try without an API key, use the simulator’s ', el('code', { text: SURFACE_MODEL }),
        ', which calls tools best near temperature 0.35, top_p 0.8.'), addSim || null);
    }
    const form = el('form', { class: 'card', id: 'exp-form', 'aria-labelledby': 'exp-form-title', novalidate: true },
      el('h2', { id: 'exp-form-title', text: 'New experiment' }),
      missing.length ? el('div', { class: 'empty', id: 'exp-setup' }, ...missing) : null,
      el('div', { class: 'row' },
        control('Name', 'name', { required: true, maxlength: 200, autocomplete: 'off', placeholder: 'e.g. weather tool use' }),
        el('div', { class: 'wide-field' }, el('label', { for: 'exp-suite', text: 'Suite' }), suiteSelect, el('p', { class: 'error', id: 'exp-suite-error', 'data-error-for': 'suite_id' }))),
      el('fieldset', { id: 'exp-models' }, el('legend', { text: 'Models to compare (1 to 10)' }),
        toolModels.length ? toolModels.map((m, i) => el('div', {},
          el('input', { type: 'checkbox', id: `exp-t${i}`, name: 'target', value: m.value, checked: toolModels.length === 1 || null,
            'aria-describedby': describeSimModel(m.model) ? `exp-t${i}-about` : null }),
          el('label', { for: `exp-t${i}`, class: 'inline', text: ` ${m.label}` }),
          describeSimModel(m.model) ? el('span', { class: 'note', id: `exp-t${i}-about`, text: ` (${describeSimModel(m.model)})` }) : null))
          : el('p', { class: 'note', text: 'No model that calls tools yet (see above).' }),
        el('p', { class: 'error', 'data-error-for': 'targets' })),
      baseline.node, adjustments,
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'exp-create', text: 'Create experiment', disabled: !(suites.length && toolModels.length) || null })));
    clearOnInput(form);
    const chosen = () => [...form.querySelectorAll('input[name=target]:checked')].map((b) => toolModels.find((m) => m.value === b.value));
    // What the providers' rules would change, said before creating (the API keeps it as given).
    const check = async () => {
      let params;
      try { ({ params } = baseline.value()); } catch { adjustments.replaceChildren(); return; }
      const said = await adjustmentLines(chosen(), params);
      adjustments.replaceChildren(...said.map((s) => el('li', { text: s })));
    };
    form.addEventListener('change', check);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearRefusals(form);
      try {
        const name = form.elements.namedItem('name').value.trim();
        if (!name) throw refuse('name', 'give the experiment a name.');
        const targets = chosen().map((m) => ({ provider: m.provider, model: m.model }));
        if (!targets.length) throw refuse('targets', 'tick at least one model.');
        if (targets.length > 10) throw refuse('targets', 'at most 10 models in one experiment.');
        const created = await api('POST', '/api/experiments', { name, suite_id: suiteSelect.value, targets, baseline: baseline.value() });
        go(openHash(created.id));
      } catch (err) { showRefusal(form, err); }
    });
    return form;
  }

  // ——— One experiment, opened ———
  let view = null;
  let openID = wanted;
  let running = await experimentJob(openID).catch(() => null);
  // Back on the page while one of its evals runs: that experiment, followed again.
  if (!openID && running) openID = running.request.experiment_id;
  if (openID) view = await openExperiment(openID, running);

  root.append(el('h2', { class: 'page-title', text: 'Experiments' }),
    el('p', { class: 'note intro', text: 'An experiment compares configurations of your models on one suite against a baseline, run after run, and says which changes are real.' }),
    ...(view ? [view] : []), listBox, createForm, profiles.node);
  await profiles.load();
  // Opened by its address: its title has the focus, once app.js has put the page in place
  // (and focused the page itself).
  const title = root.querySelector('#exp-title');
  if (title) setTimeout(() => { if (title.isConnected) title.focus(); }, 0);
  return root;

  async function openExperiment(id, job) {
    let experiment;
    try { experiment = await api('GET', `/api/experiments/${encodeURIComponent(id)}`); } catch (err) {
      return el('p', { class: 'empty', id: 'exp-gone', role: 'status', text: err.status === 404 ? 'That experiment no longer exists (it may have been deleted). Your experiments are listed below.' : `That experiment could not be read: ${err.message}` });
    }
    const targetsAsModels = () => experiment.targets.map((t) => models.find((m) => m.value === targetKey(t)) || { value: targetKey(t), provider: t.provider, model: t.model, label: t.model, plugin: null });
    const title = el('h2', { id: 'exp-title', tabindex: -1 });
    const headActions = el('div', { class: 'actions' });
    const renameBox = el('div', { id: 'exp-rename-box' });
    const summary = el('dl', { id: 'exp-summary', class: 'summary' });
    const timelineBox = el('div', { id: 'exp-timeline-box' });
    const chartBox = el('div', { id: 'exp-chart-box' });
    const profileBox = el('div', { id: 'exp-profile-box' });
    const savedNote = el('p', { class: 'ok', id: 'exp-saved', role: 'status' });

    // ——— Running an eval on it: the baseline, the best, or a configuration tried by hand ———
    const runBaseline = el('button', { type: 'button', id: 'exp-run-baseline', text: 'Run baseline' });
    const runBest = el('button', { type: 'button', class: 'secondary', id: 'exp-run-best', text: 'Run best', 'aria-describedby': 'exp-best-about' });
    const cancel = el('button', { type: 'button', class: 'danger', id: 'exp-cancel', text: 'Cancel', hidden: true });
    const status = el('p', { class: 'note', id: 'exp-run-status', role: 'status' });
    const progress = el('progress', { id: 'exp-run-progress', 'aria-label': 'Eval progress', hidden: true });
    const runAdjustments = el('ul', { class: 'adjustments', id: 'exp-run-adjustments' });
    const bestAbout = el('p', { class: 'note hint', id: 'exp-best-about' });
    const runForm = el('form', { class: 'run-controls', id: 'exp-run', 'aria-label': 'Run on this experiment', novalidate: true },
      el('div', { class: 'row' },
        control('Repeat each case', 'repeat', { type: 'number', min: 1, max: 10, value: 1, inputmode: 'numeric' }, 'More repeats give steadier scores (1–10).'),
        el('div', { class: 'check' }, el('input', { type: 'checkbox', id: 'exp-queue', name: 'queue' }),
          el('label', { for: 'exp-queue', class: 'inline', text: ' Queue it after the running job, if there is one' }))),
      el('div', { class: 'actions' }, runBaseline, runBest, cancel), bestAbout,
      el('p', { class: 'error', 'data-error-for': 'config' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      status, progress, runAdjustments);
    clearOnInput(runForm);
    let busy = null;
    let best = null;
    const setBusy = (jobId) => {
      busy = jobId;
      runBaseline.disabled = Boolean(busy);
      runBest.disabled = Boolean(busy) || !best;
      tryButton.disabled = Boolean(busy);
      cancel.hidden = !busy;
    };

    const repeatOf = (form) => {
      const n = Number(form.elements.namedItem('repeat').value);
      if (!Number.isInteger(n) || n < 1 || n > 10) throw refuse('repeat', 'give a whole number from 1 to 10.');
      return n;
    };
    async function run(which) {
      clearRefusals(runForm);
      let job;
      try { job = await api('POST', `/api/experiments/${experiment.id}/run`, { config: which, repeat: repeatOf(runForm), queue: runForm.elements.namedItem('queue').checked }); }
      catch (err) { showRefusal(runForm, err); return; }
      refreshTray();
      await attach(job.job_id, job.state, job.config, which, job.adjustments);
    }
    runBaseline.addEventListener('click', () => run('baseline'));
    runBest.addEventListener('click', () => run('best'));

    /** Follows an eval on this experiment from its first event (a new one, or one found
     *  running on return); the timeline is read again when it starts and when it ends. */
    async function attach(jobId, state, config, which = null, adjustments = []) {
      setBusy(jobId);
      const what = which === 'baseline' ? `the baseline (${configText(config)})` : which === 'best' ? `the best so far (${configText(config)})` : configText(config);
      runAdjustments.replaceChildren(...(adjustments || []).map((a) => el('li', { text: `${a.target ? `${a.target}: ` : ''}${a.param} ${a.action} ${JSON.stringify(a.original)} → ${JSON.stringify(a.adjusted)} (${a.reason})` })));
      status.className = 'note';
      status.textContent = state === 'queued' ? `Queued: ${what} runs when your running job ends.` : `Running ${what}…`;
      progress.hidden = true;
      cancel.disabled = false;
      cancel.onclick = async () => {
        cancel.disabled = true;
        // Said before asking: the job's "cancelled" event can beat this request's answer.
        const before = status.textContent; status.textContent = 'Cancelling…';
        try { await api('POST', `/api/jobs/${jobId}/cancel`); } catch (err) { if (status.textContent === 'Cancelling…') status.textContent = before; toast(err); cancel.disabled = false; }
      };
      let count = 0, seen = false;
      const controller = new AbortController();
      // Leaving the page stops following here (the tray keeps the job in view); coming back follows it again.
      const leave = () => controller.abort();
      window.addEventListener('hashchange', leave, { once: true });
      try {
        await follow(jobId, (name, data) => {
          if (name === 'result') count += 1;
          else if (name === 'progress') {
            if (!seen) { seen = true; refresh().catch(() => {}); }  // its row appears on the timeline, running
            status.textContent = `Running ${what}: ${data.done} of ${data.total} case runs done.`;
            progress.hidden = false; progress.max = data.total || 1; progress.value = data.done;
          } else if (name === 'complete') {
            status.textContent = `Done: ${what} is on the timeline below.`;
            progress.hidden = true;
          } else if (name === 'cancelled') {
            status.textContent = `Cancelled after ${plural(count, 'case run')}: what finished is on the timeline below.`;
            progress.hidden = true;
          } else if (name === 'error') {
            status.className = 'bad'; progress.hidden = true;
            status.textContent = `The eval failed: ${data.message || 'no reason given'}`;
          }
        }, controller.signal);
      } catch (err) {
        status.className = 'bad'; status.textContent = `Lost track of the eval: ${err.message}. It is still listed under Running jobs at the bottom.`;
      } finally {
        window.removeEventListener('hashchange', leave);
        if (!controller.signal.aborted) {
          await settled(jobId);  // the buttons come back once the job is marked finished
          await refresh().catch((err) => toast(err));  // and the timeline has its last word
          setBusy(null);
          refreshTray();
        }
      }
    }

    // A configuration tried by hand: an eval of the suite on the experiment's models, on its timeline.
    const tryEditor = configEditor('config', { legend: 'Configuration', note: 'Runs the suite on the experiment’s models with these settings (and Repeat each case, above); its delta from the baseline appears on the timeline.' });
    const tryButton = el('button', { type: 'submit', class: 'secondary', id: 'exp-try-run', text: 'Run this configuration' });
    const tryAdjustments = el('ul', { class: 'adjustments', id: 'exp-try-adjustments', 'aria-live': 'polite' });
    const tryForm = el('form', { class: 'card', id: 'exp-try', 'aria-labelledby': 'exp-try-title', novalidate: true },
      el('h3', { id: 'exp-try-title', text: 'Try another configuration' }), tryEditor.node, tryAdjustments,
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }), el('div', { class: 'actions' }, tryButton));
    clearOnInput(tryForm);
    tryForm.addEventListener('change', async () => {
      let params;
      try { ({ params } = tryEditor.value()); } catch { tryAdjustments.replaceChildren(); return; }
      const said = await adjustmentLines(targetsAsModels().filter((m) => m.plugin), params);
      tryAdjustments.replaceChildren(...said.map((s) => el('li', { text: s })));
    });
    tryForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (busy) return;
      clearRefusals(tryForm);
      let job, config;
      try {
        const { params, system_prompt: systemPrompt } = tryEditor.value();
        if (!Object.keys(params).length && systemPrompt === undefined) throw refuse('config', 'give at least one setting to try (a temperature, a top_p, another parameter or a system prompt).');
        config = systemPrompt === undefined ? params : { ...params, system_prompt: systemPrompt };
        const body = { suite_id: experiment.suite_id, targets: experiment.targets, params, experiment_id: experiment.id,
          repeat: repeatOf(runForm), queue: runForm.elements.namedItem('queue').checked };
        if (systemPrompt !== undefined) body.system_prompt = systemPrompt;
        job = await api('POST', '/api/evals', body);
      } catch (err) { showRefusal(tryForm, err, { aliases: { params: 'config', system_prompt: 'config' } }); return; }
      refreshTray();
      runForm.scrollIntoView({ block: 'nearest' });
      await attach(job.job_id, job.state, config);
    });

    // ——— Pin, save as profile, rename, delete ———
    async function pin(body, n) {
      try {
        await api('POST', `/api/experiments/${experiment.id}/baseline`, body);
        await refresh();
        const base = experiment.timeline.findIndex((e) => e.baseline) + 1;
        savedNote.textContent = body.eval_id
          ? `Run ${n} is the baseline now: every delta is measured against it.`
          : `The best of run ${n} is the baseline configuration now (${configText(experiment.baseline)}). ${base
            ? `Run ${base} ran it, so deltas are measured against run ${base}.` : 'Press Run baseline to measure it: deltas wait for that run.'}`;
      } catch (err) { toast(err); }
    }
    function saveProfile({ what, config, from, target, suggestion }) {
      const all = targetsAsModels();
      const first = all.findIndex((m) => m.value === target);
      const choices = first > 0 ? [all[first], ...all.filter((_, i) => i !== first)] : all;
      const close = () => { profileBox.replaceChildren(); };
      const form = saveProfileForm({ what, config, from, suggestion, close,
        choices: choices.map((m) => ({ provider: m.provider, model: m.model, label: m.label })),
        done: async (profile) => {
          close();
          savedNote.textContent = `Saved profile “${profile.name}” of ${profile.model}: pick it beside the model on the Benchmark or Tool eval page (it is listed under Model profiles below).`;
          await profiles.load();
        } });
      profileBox.replaceChildren(form);
      form.scrollIntoView({ block: 'nearest' });
      form.querySelector('input[name=name]').focus();
    }
    const rowActions = (entry, n) => {
      const buttons = [];
      const done = entry.status === 'done';
      if (entry.kind === 'eval') {
        if (done && !entry.baseline) buttons.push(el('button', { type: 'button', class: 'secondary', text: 'Pin as baseline', 'aria-label': `Pin run ${n} as the baseline`, onclick: () => pin({ eval_id: entry.id }, n) }));
        if (done) {
          const top = [...entry.models].sort((a, b) => (b.score ?? -1) - (a.score ?? -1))[0];
          buttons.push(el('button', { type: 'button', class: 'secondary', text: 'Save as profile', 'aria-label': `Save run ${n} as a profile`,
            onclick: () => saveProfile({ what: `run ${n}`, config: entry.config, from: { eval_id: entry.id }, target: top && top.target, suggestion: `${experiment.name} run ${n}` }) }));
        }
      } else if (entry.best) {
        buttons.push(el('button', { type: 'button', class: 'secondary', text: 'Pin as baseline', 'aria-label': `Pin run ${n} (its best) as the baseline`, onclick: () => pin({ tuning_id: entry.id }, n) }));
        buttons.push(el('button', { type: 'button', class: 'secondary', text: 'Save as profile', 'aria-label': `Save run ${n} (its best) as a profile`,
          onclick: () => saveProfile({ what: `the best of run ${n}`, config: entry.best.config, from: { tuning_id: entry.id }, target: entry.target && targetKey(entry.target), suggestion: `${experiment.name} tuned` }) }));
      }
      return buttons.length ? el('div', { class: 'actions' }, buttons) : '—';
    };

    function rename() {
      const form = el('form', { class: 'rename', id: 'exp-rename', 'aria-label': 'Rename the experiment', novalidate: true },
        el('div', { class: 'row' }, control('New name', 'name', { required: true, maxlength: 200, autocomplete: 'off', value: experiment.name }),
          el('div', { class: 'actions' }, el('button', { type: 'submit', text: 'Save name' }),
            el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => { renameBox.replaceChildren(); title.focus(); } }))),
        el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
      clearOnInput(form);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearRefusals(form);
        try {
          const name = form.elements.namedItem('name').value.trim();
          if (!name) throw refuse('name', 'give the experiment a name.');
          experiment = { ...experiment, ...(await api('PUT', `/api/experiments/${experiment.id}`, { name })) };
          renameBox.replaceChildren();
          draw();
          title.focus();
        } catch (err) { showRefusal(form, err); }
      });
      renameBox.replaceChildren(form);
      form.querySelector('input').select();
      form.querySelector('input').focus();
    }
    headActions.append(
      el('button', { type: 'button', class: 'secondary', text: 'Rename', id: 'exp-rename-button', onclick: rename }),
      el('button', { type: 'button', class: 'danger', text: 'Delete', id: 'exp-delete', onclick: async () => {
        if (!confirm(`Delete experiment “${experiment.name}”? Its evals and tuning runs stay (under Tool eval and Tuning); only the experiment goes.`)) return;
        try { await api('DELETE', `/api/experiments/${experiment.id}`); toast(`Deleted experiment ${experiment.name}.`); go('#/experiments'); } catch (err) { toast(err); }
      } }),
      el('button', { type: 'button', class: 'secondary', text: 'Close', 'aria-label': 'Close this experiment', onclick: () => go('#/experiments') }));

    // ——— Drawing it ———
    function draw() {
      title.textContent = `Experiment “${experiment.name}”`;
      best = experiment.best;
      const baseEntry = experiment.timeline.find((e) => e.baseline);
      const n = baseEntry ? experiment.timeline.indexOf(baseEntry) + 1 : null;
      const baseScores = baseEntry ? baseEntry.models.map((m) => `${score(m.score)} for ${modelLabel(m.target, experiment.targets)}`).join(', ') : '';
      const bestFrom = best ? experiment.timeline.findIndex((e) => e.id === best.from.id) + 1 : 0;
      const item = (term, ...desc) => [el('dt', { text: term }), el('dd', {}, ...desc)];
      summary.replaceChildren(
        ...item('Suite', suiteName(experiment.suite_id)),
        ...item('Models', experiment.targets.map((t) => t.model).join(', ')),
        ...item('Baseline', el('span', { id: 'exp-baseline-text', text: `${configText(experiment.baseline)} — ${baseEntry
          ? `measured by run ${n} (${shortWhen(baseEntry.at)}): score ${baseScores}.`
          : 'not run yet: press Run baseline; every later run is compared with that one.'}` }),
        baseEntry ? el('button', { type: 'button', class: 'secondary small', text: 'Save as profile', 'aria-label': 'Save the baseline as a profile',
          onclick: () => saveProfile({ what: 'the baseline', config: experiment.baseline, from: { experiment_id: experiment.id, which: 'baseline' }, target: null, suggestion: `${experiment.name} baseline` }) }) : null),
        ...item('Best so far', el('span', { id: 'exp-best-text', text: best
          ? `${configText(best.config)} — score ${score(best.score)} for ${modelLabel(best.target, experiment.targets)} (run ${bestFrom}${best.from.kind === 'tuning' ? ', a tuning run' : ''}).`
          : 'nothing has a score yet.' }),
        best ? el('button', { type: 'button', class: 'secondary small', text: 'Save as profile', 'aria-label': 'Save the best configuration as a profile',
          onclick: () => saveProfile({ what: 'the best configuration', config: best.config, from: { experiment_id: experiment.id, which: 'best' }, target: best.target, suggestion: `${experiment.name} best` }) }) : null));
      bestAbout.textContent = best
        ? `Run best runs ${configText(best.config)} (the best so far) on every model of the experiment.`
        : 'Run best needs something with a score on the timeline: run the baseline first.';
      setBusy(busy);
      timelineBox.replaceChildren(experiment.timeline.length ? timelineTable(experiment, rowActions)
        : el('p', { class: 'empty', id: 'exp-no-timeline', text: 'Nothing on the timeline yet. Press Run baseline to measure the baseline; then try other configurations below. Tuning runs linked to this experiment appear here too.' }));
      drawChart();
    }
    // The chart is drawn at the width it is shown (charts.js): a window resized draws it again.
    function drawChart() {
      const open = Boolean(chartBox.querySelector('details[open]'));
      const figure = scoreChart(experiment);
      if (figure && open) figure.querySelector('details').open = true;
      chartBox.replaceChildren(...[figure].filter(Boolean));
    }
    let resizeTimer = null, shown = false;
    const onResize = () => {
      // The listener goes with the view (once it has been on the page: it may be loading still).
      if (!chartBox.isConnected) { if (shown) window.removeEventListener('resize', onResize); return; }
      shown = true;
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(drawChart, 150);
    };
    window.addEventListener('resize', onResize);
    let asked = 0;  // only the latest answer is drawn (one asked as a run starts may come late)
    async function refresh() {
      const mine = ++asked;
      const fresh = await api('GET', `/api/experiments/${experiment.id}`);
      if (mine !== asked) return;
      experiment = fresh;
      draw();
    }
    draw();

    const node = el('section', { class: 'card', id: 'exp-view', 'aria-labelledby': 'exp-title' },
      el('div', { class: 'view-head' }, title, headActions), renameBox, summary, runForm, savedNote, profileBox,
      el('h3', { text: 'Timeline' }), el('p', { class: 'note', id: 'exp-delta-about', text: deltaExplained }), timelineBox, chartBox, tryForm);
    if (job && job.request.experiment_id === experiment.id) {
      status.textContent = 'An eval of this experiment is still running.';
      attach(job.id, job.state, configOf(job.request));
    }
    return node;
  }
}

/** The configuration an eval request runs with (as the API's Configuration.of). */
function configOf(request) {
  const config = { ...(request.params || {}) };
  if (request.system_prompt) config.system_prompt = request.system_prompt;
  if (request.tool_choice && request.tool_choice !== 'auto') config.tool_choice = request.tool_choice;
  return config;
}
