// The Tuning page's second form (pages/tuning.js): tune a model's system prompt. A writer
// model proposes candidate prompts, each is scored on the suite as a trial — one round
// (quick) or generations that improve on the best so far (evolutionary) — with the model's
// other parameters fixed; the best is confirmed against the baseline prompt and saved to
// the prompt library (POST /api/tuning/prompts, docs/tuning.md).
import { api } from '../api.js';
import { describeSimModel } from '../sim.js';
import { el, toast } from '../ui.js';
import { checkbox, clearRefusals, control, refuse, showRefusal } from './controls.js';
import { promptEstimateText, promptTrials } from './prompt-words.js';
import { score } from './words.js';

/** The simulator's models for trying prompt tuning without a key (docs/simulator.md). */
export const WRITER_MODEL = 'sim-ttft5-gap1-promptwriter';
const TARGET_MODEL = 'sim-ttft5-gap1-toolssurface';

const MODES = [
  ['quick', 'Quick', 'one round: the writer proposes a set of prompts and each is scored once on the suite.'],
  ['evolutionary', 'Evolutionary', 'several rounds: each generation shows the writer the best prompts so far and asks it to improve on them.'],
];

/** Models that can call tools (as on the parameter form). */
const callsTools = (id) => !/^sim(-|$)/.test(id) || /-tools[a-z]+(-|$)/.test(id);

/** What a model is, in a line: the simulator's writer says what it does. */
function aboutModel(id) {
  if (/(^|-)promptwriter(-|$)/.test(id)) return 'The simulator’s prompt writer: proposes prompts from a fixed pool of sentences, and variations of the best ones it is shown.';
  return describeSimModel(id) || '';
}

/** `start(body)`: submits the request (the page follows the run); `reload()`: reads the
 *  suites and models again (after a model was added here). */
export function promptForm({ start, reload }) {
  let suites = [], library = [], busy = false, ready = false, simProvider = null;
  let prefilled = null;  // the suite prompt the baseline box was filled with, while unedited

  const select = (id, name, describedBy) => el('select', { id, name, 'aria-describedby': describedBy });
  const suiteSelect = select('pt-suite', 'suite_id', 'pt-suite-error');
  const modelSelect = select('pt-model', 'target', 'pt-model-about pt-model-error');
  const writerSelect = select('pt-writer', 'writer', 'pt-writer-hint pt-writer-about pt-writer-error');
  const modelAbout = el('p', { class: 'note hint', id: 'pt-model-about' });
  const writerAbout = el('p', { class: 'note hint', id: 'pt-writer-about' });
  const setupBox = el('div', { id: 'pt-setup' });
  const seedsBox = el('div', { class: 'seed-list', id: 'pt-seeds' });
  const estimateBox = el('p', { id: 'pt-estimate', class: 'estimate', role: 'status', 'aria-live': 'polite' });
  const estimateButton = el('button', { type: 'button', class: 'secondary', id: 'pt-estimate-button', text: 'Estimate' });
  const startButton = el('button', { type: 'submit', id: 'pt-start', text: 'Start prompt tuning' });
  const quickFields = el('div', { class: 'row mode-fields', id: 'pt-quick' },
    control('Candidates', 'candidates', { type: 'number', min: 1, max: 20, value: 6, inputmode: 'numeric' }, 'How many prompts the writer proposes (1–20).'));
  const evolutionFields = el('div', { class: 'row mode-fields', id: 'pt-evolutionary' },
    control('Population', 'population', { type: 'number', min: 2, max: 20, value: 6, inputmode: 'numeric' }, 'Prompts written and scored in each generation (2–20).'),
    control('Generations', 'generations', { type: 'number', min: 1, max: 10, value: 3, inputmode: 'numeric' }, 'Rounds of writing and scoring (1–10).'),
    control('Survivors', 'survivors', { type: 'number', min: 1, max: 10, value: 2, inputmode: 'numeric' }, 'The best prompts shown to the writer to improve on; fewer than the population.'));

  const form = el('form', { class: 'card', id: 'prompt-form', 'aria-labelledby': 'pt-title', novalidate: true },
    el('h2', { id: 'pt-title', text: 'Tune the system prompt', tabindex: -1 }),
    el('p', { class: 'note', text: 'A writer model proposes system prompts for your model; each is scored on one of your suites with the model’s other parameters fixed. The best is then run again against the baseline prompt, case by case, and saved to your prompt library.' }),
    setupBox,
    el('div', { class: 'row pick' },
      el('div', {}, el('label', { for: 'pt-suite', text: 'Suite' }), suiteSelect, el('p', { class: 'error', id: 'pt-suite-error', 'data-error-for': 'suite_id' })),
      el('div', { class: 'model-field' }, el('label', { for: 'pt-model', text: 'Model (whose prompt is tuned)' }), modelSelect, modelAbout,
        el('p', { class: 'error', id: 'pt-model-error', 'data-error-for': 'target' }))),
    el('div', { class: 'row pick' },
      el('div', { class: 'model-field' }, el('label', { for: 'pt-writer', text: 'Writer model' }), writerSelect,
        el('p', { class: 'note hint', id: 'pt-writer-hint', text: 'A model that writes candidate prompts; any model you have.' }), writerAbout,
        el('p', { class: 'error', id: 'pt-writer-error', 'data-error-for': 'writer' }))),
    el('fieldset', { class: 'mode' }, el('legend', { text: 'Mode' }),
      MODES.map(([value, name, about], i) => el('div', { class: 'choice' },
        el('input', { type: 'radio', id: `pt-mode-${value}`, name: 'mode', value, checked: i === 0 || null, 'aria-describedby': `pt-mode-${value}-about pt-mode-error` }),
        el('label', { for: `pt-mode-${value}`, class: 'inline', text: ` ${name}` }),
        el('span', { class: 'note', id: `pt-mode-${value}-about`, text: ` — ${about}` }))),
      el('p', { class: 'error', id: 'pt-mode-error', 'data-error-for': 'mode' }),
      quickFields, evolutionFields),
    el('fieldset', { class: 'params' }, el('legend', { text: 'Fixed parameters: the same for every prompt' }),
      el('p', { class: 'note', text: 'Only the system prompt changes from trial to trial. Empty fields: the model’s own defaults.' }),
      el('div', { class: 'row' },
        control('Temperature', 'params.temperature', { inputmode: 'decimal' }),
        control('top_p', 'params.top_p', { inputmode: 'decimal' })),
      el('details', {}, el('summary', { text: 'Other parameters' }),
        control('Other parameters (JSON object)', 'params.other', { tag: 'textarea', rows: 2, spellcheck: 'false', placeholder: '{"top_k": 40}' })),
      el('p', { class: 'error', id: 'pt-params-error', 'data-error-for': 'params' })),
    control('Baseline prompt: the prompt to beat', 'baseline_prompt', { tag: 'textarea', rows: 3 },
      'Filled in with the suite’s system prompt. Change it to beat another prompt; empty: no system prompt at all.'),
    el('fieldset', { class: 'seeds' }, el('legend', { text: 'Start from library prompts (optional)' }),
      el('p', { class: 'note', id: 'pt-seeds-hint', text: 'Each ticked prompt is scored in the first generation and shown to the writer to build on (at most 10).' }),
      seedsBox, el('p', { class: 'error', id: 'pt-seeds-error', 'data-error-for': 'seeds' })),
    el('div', { class: 'row' },
      control('Labels for the saved prompt', 'labels', { autocomplete: 'off', placeholder: 'weather, v2' }, 'Separated by commas; it is also labelled “tuner”.'),
      control('Repeats of each case', 'repeat', { type: 'number', min: 1, max: 10, value: 1, inputmode: 'numeric' }, 'More repeats give steadier scores (1–10).')),
    el('fieldset', { class: 'budget' }, el('legend', { text: 'Budget' }),
      el('div', { class: 'row' },
        control('Max calls', 'budget.max_calls', { type: 'number', min: 1, value: 2000, inputmode: 'numeric' }, 'Calls to the model and the writer, trials and confirmation together.'),
        control('Max USD (optional)', 'budget.max_cost_usd', { type: 'number', min: 0, step: 'any', inputmode: 'decimal' }, 'Needs the model’s prices.')),
      el('p', { class: 'error', 'data-error-for': 'budget' })),
    checkbox('pt-confirm', 'confirm', 'Confirm the best against the baseline prompt',
      'Runs both prompts again on the same cases and compares them case by case: the best of many noisy trials looks better than it is.', true),
    el('details', { class: 'more' }, el('summary', { text: 'More settings' }),
      el('div', { class: 'row' },
        control('Tool choice', 'tool_choice', { tag: 'select', options: [['auto', 'auto'], ['required', 'required'], ['none', 'none']] }),
        control('Max tokens', 'max_tokens', { type: 'number', min: 1, value: 512, inputmode: 'numeric' }))),
    checkbox('pt-queue', 'queue', 'Queue it after the running job, if there is one', null),
    estimateBox,
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, estimateButton, startButton));
  const input = (name) => form.elements.namedItem(name);
  const mode = () => form.querySelector('input[name=mode]:checked').value;

  // Each mode shows its own fields.
  const syncMode = () => { quickFields.hidden = mode() !== 'quick'; evolutionFields.hidden = mode() !== 'evolutionary'; };
  for (const radio of form.querySelectorAll('input[name=mode]')) radio.addEventListener('change', syncMode);
  syncMode();
  modelSelect.addEventListener('change', () => { modelAbout.textContent = describeSimModel(modelSelect.value.split('/').slice(1).join('/')) || ''; });
  writerSelect.addEventListener('change', () => { writerAbout.textContent = aboutModel(writerSelect.value.split('/').slice(1).join('/')); });
  // The baseline box follows the suite while the user has not written in it.
  const baseline = input('baseline_prompt');
  const suitePrompt = () => (suites.find((s) => s.id === suiteSelect.value) || {}).system_prompt || '';
  suiteSelect.addEventListener('change', () => {
    if (prefilled === null || baseline.value === prefilled) { baseline.value = suitePrompt(); prefilled = baseline.value; }
  });

  /** The form as the API's request; throws a refusal naming the field. */
  function request() {
    if (!modelSelect.value) throw refuse('target', 'choose a model first (see above).');
    if (!writerSelect.value) throw refuse('writer', 'choose a writer model first (see above).');
    const pair = (value) => { const [provider, ...rest] = value.split('/'); return { provider, model: rest.join('/') }; };
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
    const body = { suite_id: suiteSelect.value, target: pair(modelSelect.value), writer: pair(writerSelect.value), mode: mode() };
    if (body.mode === 'quick') body.candidates = whole('candidates', 1, 20);
    else Object.assign(body, { population: whole('population', 2, 20), generations: whole('generations', 1, 10), survivors: whole('survivors', 1, 10) });
    // The fixed parameters: the two fields, then any others as JSON.
    const params = {};
    const extra = input('params.other').value.trim();
    if (extra) {
      let parsed;
      try { parsed = JSON.parse(extra); } catch { throw refuse('params.other', 'this is not valid JSON. Write an object with keys in double quotes, e.g. {"top_k": 40}.'); }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw refuse('params.other', 'write a JSON object in braces, e.g. {"top_k": 40}.');
      Object.assign(params, parsed);
    }
    for (const name of ['temperature', 'top_p']) { const v = decimal(`params.${name}`); if (v !== undefined) params[name] = v; }
    body.params = params;
    // The suite's own prompt is the default: sent only when the user changed it.
    if (baseline.value !== suitePrompt()) body.baseline_prompt = baseline.value;
    const seeds = [...seedsBox.querySelectorAll('input[name=seeds]:checked')].map((b) => b.value);
    if (seeds.length > 10) throw refuse('seeds', `${seeds.length} are ticked; a run starts from at most 10.`);
    if (seeds.length) body.seeds = seeds;
    const labels = input('labels').value.split(',').map((s) => s.trim()).filter(Boolean);
    if (labels.length > 10) throw refuse('labels', 'give at most 10 labels.');
    const long = labels.find((l) => l.length > 50);
    if (long) throw refuse('labels', `“${long.slice(0, 20)}…” is longer than 50 characters.`);
    if (labels.length) body.labels = labels;
    body.repeat = whole('repeat', 1, 10);
    body.budget = { max_calls: whole('budget.max_calls', 1, 1000000) };
    const usd = decimal('budget.max_cost_usd');
    if (usd !== undefined) {
      if (!(usd > 0)) throw refuse('budget.max_cost_usd', 'give an amount above 0, or leave it empty for no limit in dollars.');
      body.budget.max_cost_usd = usd;
    }
    body.confirm = input('confirm').checked;
    body.tool_choice = input('tool_choice').value;
    body.max_tokens = whole('max_tokens', 1, 100000);
    return body;
  }

  /** The estimate the server gives for this very request (its checks are Start's: the
   *  writer, the library prompts, the budget), the writer's calls included. */
  async function estimate(body) {
    const { estimate: e } = await api('POST', '/api/tuning/prompts/estimate', body);
    return { ...e, trials: promptTrials(body) };
  }
  /** The server checks the fixed parameters as a baseline: its words for a field, in this form's. */
  const rename = (path) => (path === 'baseline.system_prompt' ? 'baseline_prompt' : /^(baseline|space)\b/.test(path) ? 'params' : path === 'trials' ? 'form' : path);

  estimateButton.addEventListener('click', async () => {
    clearRefusals(form);
    estimateBox.textContent = '';
    try {
      const body = request();
      estimateBox.textContent = 'Estimating…';
      const e = await estimate(body);
      estimateBox.textContent = promptEstimateText(e, e.trials, e.writer_calls);
    } catch (err) { estimateBox.textContent = ''; showRefusal(form, err, { rename }); }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    clearRefusals(form);
    let body, job;
    try {
      body = request();
      job = await api('POST', '/api/tuning/prompts', { ...body, queue: input('queue').checked });
    } catch (err) { showRefusal(form, err, { rename }); return; }
    estimateBox.textContent = promptEstimateText(job.estimate, promptTrials(body), job.estimate.writer_calls ?? 1);
    await start(job, body);
  });

  function drawSeeds() {
    const chosen = new Set([...seedsBox.querySelectorAll('input[name=seeds]:checked')].map((b) => b.value));
    if (!library.length) {
      seedsBox.replaceChildren(el('p', { class: 'note', id: 'pt-no-seeds' }, 'Your prompt library is empty. Prompts you add on the ',
        el('a', { href: '#/prompts', text: 'Prompts' }), ' page, and the best prompt of each run, can seed a run.'));
      return;
    }
    seedsBox.replaceChildren(el('ul', { class: 'seed-options' }, library.map((p) => {
      const id = `pt-seed-${p.id}`;
      const about = [p.labels.length ? p.labels.join(', ') : null, p.score === null ? null : `score ${score(p.score)}`, p.source].filter(Boolean).join(' · ');
      return el('li', {}, el('input', { type: 'checkbox', id, name: 'seeds', value: p.id, checked: chosen.has(p.id) || null, 'aria-describedby': 'pt-seeds-hint' }),
        el('label', { for: id, class: 'inline' }, ` ${p.name}`, el('span', { class: 'note', text: ` — ${about}` })));
    })));
  }

  function drawSetup(models, writers) {
    const missing = [];
    const addButton = (model, label) => simProvider && el('button', { type: 'button', class: 'secondary', text: `Add ${model}`, 'aria-label': label, onclick: async () => {
      try { await api('POST', `/api/providers/${simProvider.id}/models`, { model_id: model }); toast(`Added ${model}.`); await reload(); } catch (err) { toast(err); }
    } });
    if (!suites.length) {
      missing.push(el('p', {}, 'You have no suites yet. A suite holds the tools a model may call and the cases each prompt is scored on: create or import one on the ',
        el('a', { href: '#/evals', text: 'Tool eval' }), ' page, then come back.'));
    }
    if (!models.length) {
      missing.push(el('p', {}, 'You have no model that calls tools. Add yours under ', el('a', { href: '#/providers', text: 'Providers & keys' }),
        ', or try the simulator’s ', el('code', { text: TARGET_MODEL }), ', which calls tools more often with a prompt that says the right thing.'),
      addButton(TARGET_MODEL, `Add the simulator's tuning model ${TARGET_MODEL} for prompt tuning`));
    }
    if (!writers.some((w) => /promptwriter/.test(w.model)) && simProvider) {
      missing.push(el('p', {}, 'Any model you have can write the prompts. To try without an API key, add the simulator’s writer ', el('code', { text: WRITER_MODEL }), '.'),
        addButton(WRITER_MODEL, `Add the simulator's prompt writer ${WRITER_MODEL}`));
    }
    setupBox.replaceChildren(...(missing.length ? [el('div', { class: 'empty', id: 'pt-empty' }, ...missing.filter(Boolean))] : []));
  }

  function updateButtons() {
    startButton.disabled = busy || !ready;
    estimateButton.disabled = !ready;
    startButton.textContent = busy ? 'Tuning…' : 'Start prompt tuning';
  }

  return {
    node: form,
    title: form.querySelector('h2'),
    /** Suites and providers as the page read them; the library is read here. */
    async update(data) {
      suites = data.suites;
      simProvider = data.simProvider;
      try { ({ prompts: library } = await api('GET', '/api/prompts')); } catch (err) { library = []; toast(err); }
      const all = data.providers.flatMap((p) => p.models.map((m) => ({ value: `${p.slug}/${m.model_id}`, model: m.model_id, label: `${m.display_name || m.model_id} — ${p.slug}` })));
      const models = all.filter((m) => callsTools(m.model)).sort((a, b) => Number(/toolssurface/.test(b.model)) - Number(/toolssurface/.test(a.model)));
      // The writer: a prompt writer first, then the target's kind last (a model rarely writes its own prompts best).
      const writers = [...all].sort((a, b) => Number(/promptwriter/.test(b.model)) - Number(/promptwriter/.test(a.model)));
      const keep = (sel, options) => {
        const chosen = sel.value;
        sel.replaceChildren(...options.map(([value, text]) => el('option', { value, text })));
        if (options.some(([value]) => value === chosen)) sel.value = chosen;
        sel.disabled = options.length === 0;
      };
      keep(suiteSelect, suites.map((s) => [s.id, `${s.name} (${s.cases} case${s.cases === 1 ? '' : 's'})`]));
      keep(modelSelect, models.map((m) => [m.value, m.label]));
      keep(writerSelect, writers.map((m) => [m.value, m.label]));
      suiteSelect.dispatchEvent(new Event('change'));
      modelSelect.dispatchEvent(new Event('change'));
      writerSelect.dispatchEvent(new Event('change'));
      drawSeeds();
      drawSetup(models, writers);
      ready = suites.length > 0 && models.length > 0 && writers.length > 0;
      updateButtons();
    },
    /** The form as a request asked it (back on the page while it runs). */
    showRequest(asked) {
      const pick = (sel, value) => { if (value && [...sel.options].some((o) => o.value === value)) { sel.value = value; sel.dispatchEvent(new Event('change')); } };
      pick(suiteSelect, asked.suite_id);
      if (asked.target) pick(modelSelect, `${asked.target.provider}/${asked.target.model}`);
      if (asked.writer) pick(writerSelect, `${asked.writer.provider}/${asked.writer.model}`);
      const radio = form.querySelector(`input[name=mode][value="${CSS.escape(asked.mode || 'quick')}"]`);
      if (radio) { radio.checked = true; syncMode(); }
      for (const name of ['candidates', 'population', 'generations', 'survivors', 'repeat', 'tool_choice', 'max_tokens']) {
        if (asked[name] !== undefined && asked[name] !== null) input(name).value = asked[name];
      }
      const params = { ...(asked.params || {}) };
      for (const name of ['temperature', 'top_p']) { input(`params.${name}`).value = params[name] ?? ''; delete params[name]; }
      input('params.other').value = Object.keys(params).length ? JSON.stringify(params) : '';
      if (asked.baseline_prompt !== undefined) baseline.value = asked.baseline_prompt;
      for (const box of seedsBox.querySelectorAll('input[name=seeds]')) box.checked = (asked.seeds || []).includes(box.value);
      input('labels').value = (asked.labels || []).join(', ');
      if (asked.budget) { input('budget.max_calls').value = asked.budget.max_calls ?? 2000; input('budget.max_cost_usd').value = asked.budget.max_cost_usd ?? ''; }
      input('confirm').checked = asked.confirm !== false;
    },
    setBusy(value) { busy = Boolean(value); updateButtons(); },
  };
}
