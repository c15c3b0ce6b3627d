// Tool-calling evaluation: suites (import native/MCP/BFCL, create, edit in forms: name,
// prompts, tools, cases), runs with live per-case results (expected vs actual calls) and
// per-model summaries. An eval started before the user left the page is picked up again
// when they come back (jobs.js), as on the Benchmark page.
import { api, ApiError, download, follow } from '../api.js';
import { barChart } from '../charts.js';
import { activeJob, refreshTray, settled } from '../jobs.js';
import { describeSimModel } from '../sim.js';
import { loadProfiles, profilePicker, syncPickers, withProfile } from '../profiles.js';
import { el, field, showError, clearErrors, table, fmt, when, toast } from '../ui.js';
import { followJudge, reportView } from './judge.js';

/** The simulator's model that calls the tool the prompt names (docs/simulator.md). */
const TOOL_MODEL = 'sim-ttft10-gap1-toolscall';
/** Whether a model may call tools: any real model (the provider knows, the page does not),
 *  and the simulator's models whose name gives them a tool mode that calls (sim.js). */
const callsTools = (model) => !model.startsWith('sim-') || /(^|-)tools(call|surface|flat|parallel|wrong|badargs)(-|$)/.test(model);

const nameText = (name) => (Array.isArray(name) ? name.join('|') : name);
const callsText = (calls) => (calls || []).map((c) => `${nameText(c.name)}(${c.arguments === undefined ? '' : JSON.stringify(c.arguments)})`).join(', ') || 'no call';
const short = (text, n = 80) => { const s = String(text ?? ''); return s.length > n ? `${s.slice(0, n - 1)}…` : s; };
const cases = (n) => `${n} case${n === 1 ? '' : 's'}`;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A refusal found before sending, shown like the API's own next to its field. */
const refuse = (name, message) => new ApiError(400, `invalid_${name}`, message);

/** A labelled control (ui.js field) with its value and an optional hint it is described by. */
function control(label, name, attributes = {}, value, hint) {
  const wrap = field(label, name, attributes);
  const input = wrap.querySelector('input, select, textarea');
  if (value !== undefined && value !== null) input.value = value;
  if (hint) {
    const id = `${input.id}-hint`;
    input.after(el('p', { class: 'note hint', id, text: hint }));
    input.setAttribute('aria-describedby', `${id} ${input.getAttribute('aria-describedby')}`);
  }
  return { wrap, input };
}

/** showError, and the control its slot describes marked and focused (names such as
 *  tools[1].function.parameters are not an input's own name). */
function fieldError(form, error) {
  showError(form, error);
  const name = error instanceof ApiError ? error.field : null;
  const slot = name && form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  // Beside its field, the field's own name in front of the API's words says nothing more.
  const first = slot && slot.firstChild;
  if (first && first.nodeType === Node.TEXT_NODE && first.textContent.startsWith(`${name}: `)) {
    const rest = first.textContent.slice(name.length + 2);
    first.textContent = `${rest.charAt(0).toUpperCase()}${rest.slice(1)}.`;
  }
  const details = slot && slot.closest('details');
  if (details) details.open = true;
  const input = slot && slot.id && form.querySelector(`[aria-describedby~="${CSS.escape(slot.id)}"]`);
  if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
}

/** JSON typed by the user: an object, or a refusal in words naming the field. */
function parseObject(text, name, what, example) {
  let value;
  try { value = JSON.parse(text); } catch {
    throw refuse(name, `${what} is not valid JSON. Write a JSON object with keys and text in double quotes, e.g. ${example}.`);
  }
  if (!isObject(value)) throw refuse(name, `${what} must be a JSON object in braces, e.g. ${example}.`);
  return value;
}

export async function render() {
  const root = el('div', { class: 'evals' });
  const suitesIntro = el('p', { class: 'note', text: 'Edit a suite to change its name, prompts, tools and cases in forms.' });
  // Back on the page while an eval runs: said at the top, the results being further down.
  const runningText = el('span');
  const runningBanner = el('div', { class: 'empty', id: 'eval-running', hidden: true }, el('p', { role: 'status' }, runningText),
    el('button', { type: 'button', class: 'secondary', text: 'Show its progress', onclick: () => { live.scrollIntoView({ block: 'start' }); status.setAttribute('tabindex', '-1'); status.focus(); } }));
  const suitesBox = el('div', { id: 'suites' });
  const detail = el('section', { id: 'suite-detail', 'aria-label': 'Suite editor' });
  const live = el('section', { id: 'eval-live' });
  const viewer = el('section', { id: 'eval-view', 'aria-live': 'polite' });
  const pastBox = el('div', { id: 'past-evals' });
  let suites = [];
  let providers = [];
  let busy = null;  // the job being followed, while it runs
  // What a save did, said where the user is (a toast would cover the buttons at the bottom).
  let suiteNote = null, casesNote = null;
  const say = (note, text) => { if (note) setTimeout(() => { note.textContent = text; }, 50); };

  // ——— Suites: the list, with what to do when there is none ———
  async function loadSuites() {
    ({ suites } = await api('GET', '/api/suites'));
    suitesBox.replaceChildren(suites.length
      ? table(['suite', 'description', 'tools', 'cases', 'actions'], suites.map((s) => [s.name, short(s.description, 60) || '—', String(s.tools), String(s.cases),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', text: 'Edit', 'aria-label': `Edit suite ${s.name}`, onclick: () => openSuite(s.id, true) }),
          el('button', { type: 'button', class: 'secondary', text: 'Export', 'aria-label': `Export suite ${s.name}`,
            onclick: () => download(`/api/suites/${s.id}/export?format=native`, `${s.name}.json`).catch((err) => toast(err)) }),
          el('button', { type: 'button', class: 'secondary', text: 'Duplicate', 'aria-label': `Duplicate suite ${s.name}`,
            onclick: async () => { try { await api('POST', `/api/suites/${s.id}/duplicate`); toast(`Copied ${s.name}.`); await loadSuites(); } catch (err) { toast(err); } } }),
          el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete suite ${s.name}`, onclick: async () => {
            if (!confirm(`Delete suite ${s.name} and its ${cases(s.cases)}?`)) return;
            try {
              await api('DELETE', `/api/suites/${s.id}`);
              if (detail.dataset.suite === s.id) { detail.replaceChildren(); delete detail.dataset.suite; }
              await loadSuites();
            } catch (err) { toast(err); }
          } }))]), { caption: 'Your suites', stacked: true })
      : el('div', { class: 'empty', id: 'no-suites' },
        el('p', { text: 'No suites yet. A suite holds the tools a model may call and the cases it is scored on (a prompt and the calls expected).' }),
        el('p', { text: 'Import a file — a Studio suite (.json, as Export writes it), an MCP tools/list result (.json), or BFCL questions with their possible answers (.jsonl) — or create one and fill it in here.' }),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', text: 'Import a file', onclick: () => importForm.querySelector('input[name=file]').focus() }),
          el('button', { type: 'button', class: 'secondary', text: 'Create a suite', onclick: () => createForm.querySelector('input[name=name]').focus() }))));
    // The run form's list of suites, keeping the choice.
    const chosen = suiteSelect.value;
    suiteSelect.replaceChildren(...suites.map((s) => el('option', { value: s.id, text: `${s.name} (${cases(s.cases)})` })));
    if (suites.some((s) => s.id === chosen)) suiteSelect.value = chosen;
    noSuiteNote.hidden = suites.length > 0;
    suiteSelect.disabled = suites.length === 0;
    suitesIntro.hidden = suites.length === 0;
    updateRun();
  }

  // ——— Import and create ———
  const importForm = el('form', { class: 'card', 'aria-labelledby': 'import-title' }, el('h3', { id: 'import-title', text: 'Import a suite' }),
    el('div', { class: 'row' }, field('File', 'file', { type: 'file', accept: 'application/json,.json,.jsonl' }),
      field('Format', 'format', { tag: 'select', options: [['native', 'Studio suite (JSON)'], ['mcp', 'MCP tools/list (JSON)'], ['bfcl', 'BFCL questions (JSON Lines)']] }),
      field('BFCL possible answers (JSON Lines, for BFCL only)', 'answers', { type: 'file', accept: '.json,.jsonl' }),
      el('div', {}, el('button', { type: 'submit', text: 'Import' }))),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(importForm);
    try {
      const file = importForm.file.files[0];
      if (!file) throw refuse('file', 'Choose a file to import first.');
      const format = importForm.format.value;
      const name = encodeURIComponent(file.name.replace(/\.jsonl?$/, ''));
      let body;
      if (format === 'bfcl') body = { questions: await file.text(), answers: importForm.answers.files[0] ? await importForm.answers.files[0].text() : undefined };
      else {
        try { body = JSON.parse(await file.text()); } catch {
          throw refuse('file', `${file.name} is not a JSON file. For BFCL's JSON Lines files choose the format “BFCL questions”.`);
        }
      }
      const suite = await api('POST', `/api/suites/import?format=${format}&name=${name}`, body);
      const skipped = suite.skipped && suite.skipped.length ? `; skipped ${suite.skipped.length} (${suite.skipped[0].reason})` : '';
      toast(`Imported ${suite.name}: ${cases(suite.cases)}${skipped}.`);
      importForm.reset();
      await loadSuites();
    } catch (err) { fieldError(importForm, err); }
  });

  const createForm = el('form', { class: 'card', 'aria-labelledby': 'create-suite-title' }, el('h3', { id: 'create-suite-title', text: 'New suite' }),
    field('Name', 'name', { required: true, maxlength: 200 }), field('Description', 'description', { tag: 'textarea', rows: 2, maxlength: 2000 }),
    field('System prompt (sent before every case)', 'system_prompt', { tag: 'textarea', rows: 2 }),
    el('details', {}, el('summary', { text: 'Tools and cases as JSON (optional: you can add them in forms once the suite exists)' }),
      control('Tools (JSON array of {"type":"function","function":{name, description, parameters}})', 'tools', { tag: 'textarea', rows: 5 }, '[]').wrap,
      control('Cases (JSON array of {id, prompt, expected_calls})', 'cases', { tag: 'textarea', rows: 5 }, '[]').wrap),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }), el('button', { type: 'submit', text: 'Create suite' }));
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(createForm);
    try {
      const list = (name, what, example) => {
        let value;
        try { value = JSON.parse(createForm[name].value.trim() || '[]'); } catch { throw refuse(name, `${what} are not valid JSON. Write a JSON array, e.g. ${example}, or leave [] and add them in forms later.`); }
        if (!Array.isArray(value)) throw refuse(name, `${what} must be a JSON array in square brackets, e.g. ${example}.`);
        return value;
      };
      const body = { name: createForm.name.value.trim(), description: createForm.description.value, system_prompt: createForm.system_prompt.value,
        tools: list('tools', 'The tools', '[{"type": "function", "function": {"name": "get_weather"}}]'),
        cases: list('cases', 'The cases', '[{"id": "paris", "prompt": "Weather in Paris?"}]') };
      if (!body.name) throw refuse('name', 'Give the suite a name.');
      const suite = await api('POST', '/api/suites', body);
      createForm.reset(); createForm.tools.value = '[]'; createForm.cases.value = '[]';
      await loadSuites();
      await openSuite(suite.id, true);
      say(suiteNote, `Created ${suite.name}. Add its tools here and its cases below.`);
    } catch (err) { fieldError(createForm, err); }
  });

  // ——— The suite editor: settings and tools in one form, cases one at a time ———
  async function openSuite(id, focus = false) {
    let suite;
    try { suite = await api('GET', `/api/suites/${id}`); } catch (err) { toast(err); return; }
    detail.dataset.suite = id;
    const casesBox = el('div', { id: 'suite-cases' });
    suiteNote = el('p', { class: 'ok', id: 'suite-saved', role: 'status' });
    casesNote = el('p', { class: 'ok', id: 'cases-saved', role: 'status' });
    detail.replaceChildren(el('section', { class: 'card', 'aria-labelledby': 'suite-title' },
      el('div', { class: 'editor-head' }, el('h2', { id: 'suite-title', text: `Editing suite “${suite.name}”` }),
        el('button', { type: 'button', class: 'secondary', text: 'Close', 'aria-label': `Close the editor of suite ${suite.name}`,
          onclick: () => { detail.replaceChildren(); delete detail.dataset.suite; } })),
      el('p', { class: 'note', text: 'Saving sends the whole form; if the studio refuses it, nothing stored changes and your edits stay here to correct. To change everything at once as JSON: Export, edit the file, Import it.' }),
      settingsForm(suite), casesNote, casesBox));
    renderCases(suite, casesBox);
    if (focus) { detail.scrollIntoView({ block: 'start' }); detail.querySelector('#suite-title').setAttribute('tabindex', '-1'); detail.querySelector('#suite-title').focus(); }
  }

  function settingsForm(suite) {
    const form = el('form', { 'aria-label': `settings and tools of suite ${suite.name}`, novalidate: true });
    const name = control('Name', 'name', { required: true, maxlength: 200 }, suite.name);
    const description = control('Description', 'description', { tag: 'textarea', rows: 2, maxlength: 2000 }, suite.description);
    const system = control('System prompt (sent before every case)', 'system_prompt', { tag: 'textarea', rows: 3 }, suite.system_prompt);
    // Each tool row remembers the name it is stored under, so a rename reaches the cases.
    const tools = suite.tools.map((t) => ({ stored: t.function.name, name: t.function.name, description: t.function.description || '',
      parameters: t.function.parameters === undefined ? '' : JSON.stringify(t.function.parameters, null, 2), rest: t }));
    const list = el('div', { class: 'tool-list' });
    const addTool = el('button', { type: 'button', class: 'secondary', text: 'Add a tool', onclick: () => {
      tools.push({ stored: null, name: '', description: '', parameters: '{\n  "type": "object",\n  "properties": {}\n}', rest: null });
      drawTools(); list.lastElementChild.querySelector('input').focus();
    } });
    function drawTools() {
      list.replaceChildren(...(tools.length ? tools.map((t, i) => {
        const prefix = `tools[${i}].function`;
        const n = control('Tool name (letters, digits, _ . -)', `${prefix}.name`, { required: true, maxlength: 128 }, t.name);
        const d = control('What the tool does (the model reads this)', `${prefix}.description`, { tag: 'textarea', rows: 2 }, t.description);
        const p = control('Parameters (JSON Schema)', `${prefix}.parameters`, { tag: 'textarea', rows: 5, spellcheck: 'false' }, t.parameters,
          'A JSON object, e.g. {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}. Empty: no parameters.');
        n.input.addEventListener('input', () => { t.name = n.input.value; });
        d.input.addEventListener('input', () => { t.description = d.input.value; });
        p.input.addEventListener('input', () => { t.parameters = p.input.value; });
        return el('fieldset', { class: 'tool' }, el('legend', { text: `Tool ${i + 1}` }), el('div', { class: 'row' }, n.wrap, d.wrap), p.wrap,
          el('button', { type: 'button', class: 'danger', text: 'Remove tool', 'aria-label': `Remove tool ${t.name || i + 1}`, onclick: () => {
            tools.splice(i, 1); drawTools(); addTool.focus();
          } }));
      }) : [el('p', { class: 'note', text: 'No tools yet: add the functions the model may call.' })]));
    }
    drawTools();
    form.append(name.wrap, description.wrap, system.wrap,
      el('fieldset', {}, el('legend', { text: 'Tools' }), list, el('p', { class: 'error', 'data-error-for': 'tools' }), addTool),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('button', { type: 'submit', text: 'Save suite' }), suiteNote);
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      try {
        if (!name.input.value.trim()) throw refuse('name', 'Give the suite a name.');
        const seen = new Map();
        const definitions = tools.map((t, i) => {
          const toolName = t.name.trim();
          if (!toolName) throw refuse(`tools[${i}].function.name`, `Give tool ${i + 1} a name, e.g. get_weather.`);
          if (!/^[A-Za-z0-9_.-]+$/.test(toolName)) throw refuse(`tools[${i}].function.name`, `“${toolName}”: use only letters, digits and _ . - in a tool name (no spaces).`);
          if (seen.has(toolName)) throw refuse(`tools[${i}].function.name`, `Tools ${seen.get(toolName) + 1} and ${i + 1} are both called ${toolName}. Give each tool its own name.`);
          seen.set(toolName, i);
          const fn = { ...(t.rest ? t.rest.function : {}), name: toolName, description: t.description };
          if (t.parameters.trim()) fn.parameters = parseObject(t.parameters, `tools[${i}].function.parameters`, `The parameters of ${toolName}`, '{"type": "object", "properties": {}}');
          else delete fn.parameters;
          return { ...(t.rest || {}), type: 'function', function: fn };
        });
        // Cases that expect a removed tool would no longer make sense: refused here, in words.
        const renamed = new Map(tools.filter((t) => t.stored && t.stored !== t.name.trim()).map((t) => [t.stored, t.name.trim()]));
        const kept = new Set(tools.filter((t) => t.stored).map((t) => t.stored));
        const removed = suite.tools.map((t) => t.function.name).filter((n) => !kept.has(n));
        const shared = suite.cases.filter((c) => !Array.isArray(c.body.tools));
        for (const c of shared) {
          const wanted = (c.body.expected_calls || []).flatMap((call) => (Array.isArray(call.name) ? call.name : [call.name]));
          const gone = wanted.find((n) => removed.includes(n));
          if (gone) throw refuse('tools', `Case ${c.id} expects the tool ${gone}, which you removed. Keep the tool, or change or delete that case first.`);
        }
        const body = { name: name.input.value.trim(), description: description.input.value, system_prompt: system.input.value, tools: definitions };
        // A renamed tool is renamed in the cases that expect it, so they keep working; the
        // suite and those cases are saved in one request, all or nothing.
        const rename = (n) => (Array.isArray(n) ? n.map(rename) : renamed.get(n) ?? n);
        const renamedBody = (b) => {
          const out = { ...b };
          if (b.expected_calls) out.expected_calls = b.expected_calls.map((call) => ({ ...call, name: rename(call.name) }));
          if (b.multi_turn) {
            out.multi_turn = { ...b.multi_turn };
            if (b.multi_turn.prerequisites) out.multi_turn.prerequisites = b.multi_turn.prerequisites.map(rename);
            if (isObject(b.multi_turn.mock_results)) out.multi_turn.mock_results = Object.fromEntries(Object.entries(b.multi_turn.mock_results).map(([k, v]) => [rename(k), v]));
          }
          return out;
        };
        const bodies = suite.cases.map((c) => (shared.includes(c) ? renamedBody(c.body) : c.body));
        const touched = bodies.filter((b, i) => JSON.stringify(b) !== JSON.stringify(suite.cases[i].body)).length;
        await api('PUT', `/api/suites/${suite.id}`, touched ? { ...body, cases: bodies } : body);
        await loadSuites();
        await openSuite(suite.id);
        detail.querySelector('button[type=submit]').focus();
        say(suiteNote, `Saved suite ${body.name}${touched ? `; the renamed tool is renamed in ${touched} case${touched > 1 ? 's' : ''}` : ''}.`);
      } catch (err) { fieldError(form, err); }
    });
    return form;
  }

  function renderCases(suite, box) {
    const editor = el('div', { class: 'case-editor' });
    const addCase = el('button', { type: 'button', class: 'secondary', text: 'Add a case', onclick: () => openCase(suite, null, editor, box) });
    box.replaceChildren(el('h3', { id: 'cases-title', text: `Cases (${suite.cases.length})` }),
      suite.cases.length
        ? table(['case', 'prompt', 'expected calls', 'actions'], suite.cases.map((c) => [c.id, short(c.body.prompt), short(callsText(c.body.expected_calls), 100),
          el('div', { class: 'actions' },
            el('button', { type: 'button', class: 'secondary', text: 'Edit', 'aria-label': `Edit case ${c.id}`, onclick: () => openCase(suite, c, editor, box) }),
            el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete case ${c.id}`, onclick: async () => {
              if (!confirm(`Delete case ${c.id}?`)) return;
              try {
                await api('DELETE', `/api/suites/${suite.id}/cases/${c.case_id}`); await refreshCases(suite.id, box); await loadSuites();
                say(casesNote, `Deleted case ${c.id}.`);
                box.querySelector('button').focus();
              } catch (err) { toast(err); }
            } }))]), { caption: `Cases of ${suite.name}`, stacked: true })
        : el('p', { class: 'note', text: 'No cases yet. A case is a prompt and the tool calls a good answer makes: add one.' }),
      addCase, editor);
  }

  async function refreshCases(id, box, focusCase) {
    const suite = await api('GET', `/api/suites/${id}`);
    renderCases(suite, box);
    if (casesNote) casesNote.textContent = '';
    const button = focusCase && box.querySelector(`button[aria-label="${CSS.escape(`Edit case ${focusCase}`)}"]`);
    if (button) button.focus();
    return suite;
  }

  /** The form for one case, new (`c` null) or stored. Fields the form does not show (a
   *  BFCL case's question, function, ground truth and own tools; scorer) are kept. */
  function openCase(suite, c, editor, box) {
    const original = c ? structuredClone(c.body) : {};
    const label = c ? `edit case ${c.id}` : 'new case';
    const offered = Array.isArray(original.tools) ? original.tools.map((t) => t.function.name) : suite.tools.map((t) => t.function.name);
    const form = el('form', { class: 'card', 'aria-label': label, novalidate: true });
    const id = control('Case id (unique in the suite)', 'id', { required: true, maxlength: 128 }, original.id);
    const prompt = control('Prompt (the user message)', 'prompt', { tag: 'textarea', rows: 3, required: true }, original.prompt);
    const category = control('Category (optional, for the summary by category)', 'category', { maxlength: 64 }, original.category);
    const should = control('Should the model call a tool?', 'should_call_tool', { tag: 'select', options: [['', 'As the expected calls say'],
      ['true', 'Yes'], ['false', 'No: the right answer is no call (irrelevance)']] }, original.should_call_tool === undefined ? '' : String(original.should_call_tool));
    const order = control('Order of the expected calls', 'order', { tag: 'select', options: [['any', 'Any order'], ['strict', 'In this order (strict)']] }, original.order || 'any');

    // Expected calls: a tool (one of those offered, or the stored list of acceptable names) and its arguments.
    const calls = (original.expected_calls || []).map((call) => ({ name: call.name, args: call.arguments === undefined ? '' : JSON.stringify(call.arguments, null, 1), rest: call }));
    const callList = el('div', { class: 'call-list' });
    const addCall = el('button', { type: 'button', class: 'secondary', text: 'Add an expected call', disabled: offered.length === 0,
      onclick: () => { calls.push({ name: offered[0], args: '{}', rest: {} }); drawCalls(); callList.lastElementChild.querySelector('select').focus(); } });
    function drawCalls() {
      callList.replaceChildren(...(calls.length ? calls.map((call, j) => {
        const choices = offered.map((n) => [n, n]);
        const current = Array.isArray(call.name) ? JSON.stringify(call.name) : call.name;
        if (!offered.includes(current)) choices.unshift([current, Array.isArray(call.name) ? `any of ${call.name.join(', ')}` : `${current} (not offered)`]);
        const tool = control('Tool', `expected_calls[${j}].name`, { tag: 'select', options: choices }, current);
        const args = control('Arguments (JSON)', `expected_calls[${j}].arguments`, { tag: 'textarea', rows: 2, spellcheck: 'false' }, call.args,
          'A JSON object of the expected values, e.g. {"city": "Paris"}. Empty: the arguments are not checked.');
        tool.input.addEventListener('change', () => { call.name = tool.input.value.startsWith('[') ? JSON.parse(tool.input.value) : tool.input.value; });
        args.input.addEventListener('input', () => { call.args = args.input.value; });
        return el('fieldset', { class: 'call' }, el('legend', { text: `Expected call ${j + 1}` }), tool.wrap, args.wrap,
          el('button', { type: 'button', class: 'danger', text: 'Remove call', 'aria-label': `Remove expected call ${j + 1} of case ${original.id || 'new'}`,
            onclick: () => { calls.splice(j, 1); drawCalls(); addCall.focus(); } }));
      }) : [el('p', { class: 'note', text: offered.length ? 'No call expected: the right answer is a reply without calling a tool.' : 'This suite has no tools yet: add them above (and save) to expect calls.' })]));
    }
    drawCalls();

    const multi = original.multi_turn || {};
    const mock = control('Mock results (JSON object: tool name → what the tool returns)', 'multi_turn.mock_results', { tag: 'textarea', rows: 3, spellcheck: 'false' },
      multi.mock_results === undefined ? '' : JSON.stringify(multi.mock_results, null, 1), 'e.g. {"search": {"hotel": "Ritz"}}; a tool without one returns {"ok": true}.');
    const rounds = control('Max rounds (1–20; default 5)', 'multi_turn.max_rounds', { type: 'number', min: 1, max: 20, step: 1 }, multi.max_rounds);
    const hops = control('Optimal hops (1–20; default 2)', 'multi_turn.optimal_hops', { type: 'number', min: 1, max: 20, step: 1 }, multi.optimal_hops);
    const prereq = control('Prerequisite tools (comma-separated)', 'multi_turn.prerequisites', {}, (multi.prerequisites || []).join(', '),
      'Tools that may be called before the expected calls without a penalty.');

    const notes = [];
    if (Array.isArray(original.question)) notes.push('This case came from BFCL: the model is sent its BFCL question; a one-message question follows the prompt you edit here.');
    if (Array.isArray(original.tools)) notes.push(`This case offers its own tools (${offered.join(', ') || 'none'}) instead of the suite's.`);
    form.append(el('h3', { text: c ? `Edit case ${c.id}` : 'New case' }), ...notes.map((text) => el('p', { class: 'note', text })),
      el('div', { class: 'row' }, id.wrap, category.wrap), prompt.wrap, el('div', { class: 'row' }, should.wrap, order.wrap),
      el('fieldset', {}, el('legend', { text: 'Expected calls' }), callList, el('p', { class: 'error', 'data-error-for': 'expected_calls' }), addCall),
      el('details', { open: original.multi_turn ? true : null }, el('summary', { text: 'Multi-turn (optional): mock tool results and rounds' }),
        el('p', { class: 'note', text: 'Filled in, the case continues while the model calls tools: each call gets its mock result and the model is asked again.' }),
        mock.wrap, el('div', { class: 'row' }, rounds.wrap, hops.wrap), prereq.wrap, el('p', { class: 'error', 'data-error-for': 'multi_turn' })),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('div', { class: 'actions' }, el('button', { type: 'submit', text: c ? 'Save case' : 'Add case' }),
        el('button', { type: 'button', class: 'secondary', text: 'Close', 'aria-label': c ? `Close the editor of case ${c.id}` : 'Close the new case', onclick: () => {
          editor.replaceChildren();
          const back = c && box.querySelector(`button[aria-label="${CSS.escape(`Edit case ${c.id}`)}"]`);
          (back || box.querySelector('button')).focus();
        } })));

    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      try {
        const key = id.input.value.trim();
        if (!key) throw refuse('id', 'Give the case an id, e.g. paris.');
        if (suite.cases.some((other) => other.id === key && (!c || other.case_id !== c.case_id))) throw refuse('id', `Another case already has the id ${key}. Give each case its own id.`);
        if (!prompt.input.value.trim()) throw refuse('prompt', 'Write the prompt the model is sent.');
        const body = structuredClone(original);
        body.id = key;
        const q = body.question;
        if (Array.isArray(q) && q.length === 1 && Array.isArray(q[0]) && q[0].length === 1 && q[0][0].role === 'user' && q[0][0].content === original.prompt) q[0][0].content = prompt.input.value;
        body.prompt = prompt.input.value;
        if (category.input.value.trim()) body.category = category.input.value.trim(); else delete body.category;
        if (should.input.value) body.should_call_tool = should.input.value === 'true'; else delete body.should_call_tool;
        if (order.input.value === 'strict' || original.order) body.order = order.input.value; else delete body.order;
        const expected = calls.map((call, j) => {
          const out = { ...call.rest, name: call.name };
          if (call.args.trim()) out.arguments = parseObject(call.args, `expected_calls[${j}].arguments`, `The arguments of expected call ${j + 1}`, '{"city": "Paris"}');
          else delete out.arguments;
          return out;
        });
        if (expected.length || original.expected_calls) body.expected_calls = expected;
        const turn = { ...(original.multi_turn || {}) };
        if (mock.input.value.trim()) turn.mock_results = parseObject(mock.input.value, 'multi_turn.mock_results', 'The mock results', '{"search": "3 hotels found"}'); else delete turn.mock_results;
        for (const [ctl, key2, what] of [[rounds, 'max_rounds', 'Max rounds'], [hops, 'optimal_hops', 'Optimal hops']]) {
          const raw = ctl.input.value.trim();
          if (!raw) { delete turn[key2]; continue; }
          const n = Number(raw);
          if (!Number.isInteger(n) || n < 1 || n > 20) throw refuse(`multi_turn.${key2}`, `${what} is a whole number from 1 to 20.`);
          turn[key2] = n;
        }
        const names = prereq.input.value.split(',').map((s) => s.trim()).filter(Boolean);
        if (names.length) turn.prerequisites = names; else delete turn.prerequisites;
        if (Object.keys(turn).length) body.multi_turn = turn; else delete body.multi_turn;

        // A new id is kept by the one-case route too (a taken one is refused, nothing changed).
        if (!c) await api('POST', `/api/suites/${suite.id}/cases`, body);
        else await api('PUT', `/api/suites/${suite.id}/cases/${c.case_id}`, body);
        await refreshCases(suite.id, box, key);
        await loadSuites();
        say(casesNote, c ? `Saved case ${key}.` : `Added case ${key}.`);
      } catch (err) { fieldError(form, err); }
    });
    editor.replaceChildren(form);
    form.scrollIntoView({ block: 'nearest' });
    id.input.focus();
  }

  // ——— Run an eval, and follow it (again, when the user comes back) ———
  const suiteSelect = el('select', { id: 'eval-suite', name: 'suite_id', 'aria-describedby': 'eval-suite-error' });
  const noSuiteNote = el('p', { class: 'note', text: 'Import or create a suite first (below).', hidden: true });
  const modelsBox = el('fieldset', { id: 'eval-models' });
  const runButton = el('button', { type: 'submit', id: 'eval-run', text: 'Run eval' });
  const cancelButton = el('button', { type: 'button', class: 'danger', id: 'eval-cancel', text: 'Cancel eval', hidden: true });
  const runForm = el('form', { class: 'card', 'aria-labelledby': 'run-eval-title' }, el('h2', { id: 'run-eval-title', text: 'Run an eval' }),
    el('div', { class: 'row' }, el('div', {}, el('label', { for: 'eval-suite', text: 'Suite' }), suiteSelect, noSuiteNote,
      el('p', { class: 'error', id: 'eval-suite-error', 'data-error-for': 'suite_id' })),
    field('Tool choice', 'tool_choice', { tag: 'select', options: [['auto', 'auto'], ['required', 'required'], ['none', 'none']] }),
    field('Repeat (k)', 'repeat', { type: 'number', min: 1, max: 10, value: 1 }),
    field('Scorer', 'scorer', { tag: 'select', options: [] })),
    el('div', {}, el('input', { type: 'checkbox', id: 'eval-judge', name: 'judge' }),
      el('label', { for: 'eval-judge', class: 'inline', text: ' Judge results as they arrive (judge model from the Judge page)' })),
    el('p', { class: 'error', 'data-error-for': 'judge' }),
    el('div', {}, el('input', { type: 'checkbox', id: 'eval-queue', name: 'queue' }),
      el('label', { for: 'eval-queue', class: 'inline', text: ' Queue it after the running job, if there is one' })),
    modelsBox, el('p', { class: 'error', 'data-error-for': 'targets' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, runButton, cancelButton));

  function updateRun() {
    runButton.disabled = Boolean(busy) || suites.length === 0;
    runButton.textContent = busy ? 'Running…' : 'Run eval';
  }

  function drawModels() {
    const targets = providers.flatMap((p) => p.models.map((m) => ({ value: `${p.slug}/${m.model_id}`, model: m.model_id, label: `${m.display_name || m.model_id} — ${p.slug}` })));
    const sim = providers.find((p) => p.slug === 'sim-openai');
    const addSim = sim && el('button', { type: 'button', class: 'secondary', text: `Add ${TOOL_MODEL}`, 'aria-label': `Add the simulator's tool-calling model ${TOOL_MODEL}`, onclick: async () => {
      try { await api('POST', `/api/providers/${sim.id}/models`, { model_id: TOOL_MODEL }); await loadModels(); toast(`Added ${TOOL_MODEL}.`); modelsBox.querySelector(`input[value$="/${TOOL_MODEL}"]`)?.focus(); } catch (err) { toast(err); }
    } });
    const advice = (first) => el('div', { class: 'empty', id: 'no-tool-models' }, el('p', {}, first, ' Any chat model that supports tool (function) calling works: add yours under ',
      el('a', { href: '#/providers', text: 'Providers & keys' }), '. To try without an API key, use the built-in simulator’s ', el('code', { text: TOOL_MODEL }),
      ', which calls the tool the prompt names.'), addSim || null);
    modelsBox.replaceChildren(...[el('legend', { text: 'Models' }),
      ...(targets.length ? targets.map((t, i) => el('div', {},
        el('input', { type: 'checkbox', id: `et${i}`, name: 'target', value: t.value, 'aria-describedby': describeSimModel(t.model) ? `et${i}-about` : null }),
        el('label', { for: `et${i}`, class: 'inline', text: ` ${t.label}` }),
        describeSimModel(t.model) ? el('span', { class: 'note', id: `et${i}-about`, text: ` (${describeSimModel(t.model)})` }) : null,
        profilePicker(profiles, t.value, `et${i}-profile`))) : []),
      targets.length === 0 ? advice('No models yet.')
        : !targets.some((t) => callsTools(t.model)) ? advice('None of your models calls tools.') : null].filter(Boolean));
  }
  let profiles = [];
  async function loadModels() { [{ providers }, profiles] = await Promise.all([api('GET', '/api/providers'), loadProfiles()]); drawModels(); syncPickers(modelsBox); }
  modelsBox.addEventListener('change', (e) => { if (e.target.name === 'target') syncPickers(modelsBox); });

  const status = el('p', { class: 'note', id: 'eval-status', 'aria-live': 'polite' });
  const progress = el('progress', { id: 'eval-progress', 'aria-label': 'Eval progress', hidden: true });

  /** The run form as the running eval asked (when the user comes back to it). */
  function showRequest(request) {
    if (suites.some((s) => s.id === request.suite_id)) suiteSelect.value = request.suite_id;
    for (const key of ['tool_choice', 'repeat', 'scorer']) if (request[key] !== undefined && runForm[key]) runForm[key].value = request[key];
    runForm.judge.checked = Boolean(request.judge);
    const wanted = new Set((request.targets || []).map((t) => `${t.provider}/${t.model}`));
    for (const box of runForm.querySelectorAll('input[name=target]')) box.checked = wanted.has(box.value);
    for (const t of request.targets || []) {
      const select = [...runForm.querySelectorAll('select[name=profile]')].find((x) => x.dataset.target === `${t.provider}/${t.model}`);
      if (select && t.profile) { select.value = t.profile; select.dispatchEvent(new Event('change')); }
    }
    syncPickers(modelsBox);
  }

  /** Follows an eval from its first event: a new one, or one found running on return. */
  async function attach(jobId, state, request = {}) {
    busy = jobId; updateRun();
    cancelButton.hidden = false; cancelButton.disabled = false;
    cancelButton.onclick = async () => {
      cancelButton.disabled = true;
      // Said before asking: the job's "cancelled" event can beat this request's answer.
      const before = status.textContent; status.textContent = 'Cancelling…';
      try { await api('POST', `/api/jobs/${jobId}/cancel`); } catch (err) { if (status.textContent === 'Cancelling…') status.textContent = before; toast(err); cancelButton.disabled = false; }
    };
    status.className = 'note';
    status.textContent = state === 'queued' ? 'Queued: it starts when your running job ends.' : 'Running…';
    progress.hidden = true;
    const body = el('tbody');
    const summaryBox = el('div', { id: 'eval-summaries' });
    const cards = el('div', { id: 'eval-judge-cards' });
    const suite = suites.find((s) => s.id === request.suite_id);
    const models = (request.targets || []).map((t) => t.model).join(', ');
    live.replaceChildren(el('h3', { text: suite ? `Eval results: ${suite.name} on ${models}` : 'Eval results' }), status, progress,
      el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Eval results' }, el('table', { id: 'eval-results' },
        el('thead', {}, el('tr', {}, ['case', 'model', 'try', 'score', 'passed', 'error', 'calls made', 'latency ms', 'judge'].map((h) => el('th', { scope: 'col', text: h })))), body)), summaryBox);
    const judgeCells = new Map();
    const verdictText = (v) => (v.error ? `judge error: ${v.error.code}` : `${v.verdict} (${v.quality}/5)`);
    let count = 0, passed = 0;
    const controller = new AbortController();
    // Leaving the page stops following here (the tray keeps the job in view); coming back follows it again.
    const leave = () => controller.abort();
    window.addEventListener('hashchange', leave, { once: true });
    try {
      await follow(jobId, (name, data) => {
        if (name === 'result') {
          count += 1; if (data.passed) passed += 1;
          const judgeCell = el('td', { text: '' });
          judgeCells.set(`${data.case_id}|${data.target}|${data.repeat}`, judgeCell);
          body.append(el('tr', {}, [data.case_id, data.target, data.repeat, fmt(data.score, 2), data.passed ? 'yes' : 'no', data.error_type || '',
            callsText(data.output && data.output.calls), fmt(data.latency_ms)].map((c) => el('td', { text: c })), judgeCell));
        } else if (name === 'judge_verdict') {
          const cell = judgeCells.get(`${data.case_id}|${data.target}|${data.repeat}`);
          if (cell) cell.textContent = verdictText(data);
        } else if (name === 'judge_report') {
          cards.append(el('p', { class: 'card', text: `${data.target}: ${data.error ? `no report (${data.error.message})` : `judge grade ${data.grade}, score ${fmt(data.score, 0)}`}` }));
        } else if (name === 'progress') {
          status.textContent = `Running: ${data.done} of ${data.total} case runs done`;
          runningText.textContent = `Your eval is still running: ${data.done} of ${data.total} case runs done.`;
          progress.hidden = false; progress.max = data.total || 1; progress.value = data.done;
        } else if (name === 'complete' || name === 'cancelled') {
          status.textContent = name === 'complete'
            ? `Done: ${passed} of ${count} case runs passed. The eval is kept under Past evals.`
            : `Cancelled after ${count} case runs. What finished is kept under Past evals.`;
          progress.hidden = true;
          summaryBox.replaceChildren(summaries(data.models || []), cards);
          if (data.judge_report_id) summaryBox.append(el('a', { href: `#/judge?report=${data.judge_report_id}`, text: 'Open the judge report' }));
          if (data.judge_job_id) summaryBox.append(el('p', { class: 'note', text: `A model scored below your auto-judge threshold: judge job ${data.judge_job_id} queued.` }));
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
        await settled(jobId);  // Run eval comes back once the job is marked finished
        busy = null; updateRun(); cancelButton.hidden = true; runningBanner.hidden = true;
        refreshTray(); loadPast().catch(() => {});
      }
    }
  }

  runForm.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(runForm);
    const chosen = [...runForm.querySelectorAll('input[name=target]:checked')].map((box) => { const [provider, ...rest] = box.value.split('/'); return withProfile(runForm, { provider, model: rest.join('/') }); });
    let job;
    try {
      if (!chosen.length) throw refuse('targets', 'Tick at least one model under Models.');
      job = await api('POST', '/api/evals', { suite_id: suiteSelect.value, targets: chosen, tool_choice: runForm.tool_choice.value,
        repeat: Number(runForm.repeat.value), scorer: runForm.scorer.value, judge: runForm.judge.checked, queue: runForm.queue.checked });
    } catch (err) { fieldError(runForm, err); return; }
    refreshTray();
    const asked = { suite_id: suiteSelect.value, targets: chosen };
    await attach(job.job_id, job.state, asked);
  });

  function summaries(models) {
    return el('div', {},
      table(['model', 'cases', 'runs', 'overall', 'tool', 'params', 'passed', 'irrelevance', 'pass@k', 'pass^k', 'latency ms', 'errors'],
        models.map((m) => [m.target, m.cases, m.runs, fmt(m.mean_score, 3), fmt(m.tool_score, 3), fmt(m.param_score, 3), m.cases_passed,
          fmt(m.irrelevance_accuracy, 3), fmt(m.pass_at_k, 3), fmt(m.pass_hat_k, 3), fmt(m.latency_ms_mean),
          Object.entries(m.errors || {}).map(([k, v]) => `${k}×${v}`).join(' ')]), { caption: 'Per model' }),
      ...models.filter((m) => Object.keys(m.by_category || {}).length).map((m) => table(['category', 'runs', 'mean score', 'passed'],
        Object.entries(m.by_category).map(([c, v]) => [c, v.runs, fmt(v.mean_score, 3), v.passed]), { caption: `${m.target} by category` })),
      barChart('Mean score by model', 'score 0–1', models.map((m) => ({ label: m.target, value: m.mean_score }))));
  }

  // ——— Past evals ———
  async function loadPast() {
    const { evals } = await api('GET', '/api/evals');
    const suiteName = (id) => (suites.find((s) => s.id === id) || {}).name || '—';
    pastBox.replaceChildren(evals.length
      ? table(['started', 'suite', 'status', 'models', 'actions'], evals.map((r, i) => {
        const n = evals.length - i;
        return [when(r.started_at), suiteName(r.suite_id), r.status, (r.request && r.request.targets || []).map((t) => t.model).join(', '),
          el('div', { class: 'actions' },
            el('button', { type: 'button', class: 'secondary', text: 'Open', 'aria-label': `Open eval ${n}, started ${when(r.started_at)}`, onclick: () => openEval(r.id) }),
            el('button', { type: 'button', class: 'secondary', text: 'Judge', 'aria-label': `Judge eval ${n}`, disabled: r.status === 'running', onclick: () => judgeEval(r.id) }))];
      }), { caption: 'Newest first', stacked: true })
      : el('p', { class: 'empty', id: 'no-evals', text: 'No eval runs yet. Choose a suite and models under “Run an eval” and press Run eval: each run is kept here, to open again or to judge.' }));
  }

  async function openEval(id) {
    let run;
    try { run = await api('GET', `/api/evals/${id}`); } catch (err) { toast(err); return; }
    const judged = run.judge_report_id
      ? el('p', { class: 'note' }, `Judge verdicts from the latest report; override scores ${run.override_policy === 'apply' ? `applied (${run.overrides_applied})` : 'shown only'}. `,
        el('a', { href: `#/judge?report=${run.judge_report_id}`, text: 'Open the judge report' }))
      : el('p', { class: 'note', text: 'Not judged yet.' });
    viewer.replaceChildren(el('h3', { id: 'eval-view-title', tabindex: -1, text: `Eval of ${when(run.started_at)} — ${run.status}` }), summaries(run.models), judged,
      table(['case', 'model', 'try', 'score', 'auto score', 'passed', 'error', 'calls made', 'judge', 'override'], run.results.map((r) => [r.case_id, r.target, r.repeat,
        fmt(r.score, 2), fmt(r.automatic_score ?? r.score, 2), r.passed ? 'yes' : 'no', r.error_type || '', callsText(r.output && r.output.calls),
        r.judge ? (r.judge.error ? `judge error: ${r.judge.error.code}` : `${r.judge.verdict} (${r.judge.quality}/5)`) : '—',
        r.judge ? fmt(r.judge.override_score, 2) : '—']), { caption: 'Every case run' }));
    viewer.querySelector('#eval-view-title').focus();
  }

  async function judgeEval(id) {
    try {
      const job = await api('POST', `/api/evals/${encodeURIComponent(id)}/judge`, { queue: true });
      refreshTray();
      await followJudge(job.job_id, viewer, async (data) => {
        if (!data.report_id) return;
        const report = await api('GET', `/api/judge-reports/${data.report_id}`);
        viewer.append(reportView(report), el('a', { href: `#/judge?report=${data.report_id}`, text: 'Open the judge report' }));
      });
    } catch (err) { toast(err); }
  }

  const [{ plugins }] = await Promise.all([api('GET', '/api/plugins'), loadSuites(), loadModels()]);
  const scorers = plugins.filter((p) => p.kinds.includes('scorer')).sort((a, b) => (a.id === 'toolcall' ? -1 : b.id === 'toolcall' ? 1 : a.id.localeCompare(b.id)));
  runForm.scorer.replaceChildren(...scorers.map((p) => el('option', { value: p.id, text: p.name })));
  await loadPast();

  root.append(runningBanner,
    el('section', { class: 'card', 'aria-labelledby': 'suites-title' }, el('h2', { id: 'suites-title', text: 'Tool-calling suites' }),
      suitesIntro, suitesBox),
    detail, runForm, live, viewer,
    el('section', { 'aria-labelledby': 'past-title' }, el('h2', { id: 'past-title', text: 'Past evals' }), pastBox),
    importForm, createForm);

  // Back on the page while an eval runs (or waits): follow it again.
  const running = await activeJob('eval').catch(() => null);
  if (running) {
    showRequest(running.request || {});
    runningBanner.hidden = false;
    runningText.textContent = 'Your eval is still running.';
    attach(running.id, running.state, running.request);
  }
  return root;
}
