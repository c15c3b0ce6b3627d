// Tool-calling evaluation: suites (import native/MCP, create, cases), runs with live
// per-case results (expected vs actual calls) and per-model summaries.
import { api, download, follow } from '../api.js';
import { barChart } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, when, toast } from '../ui.js';

const callsText = (calls) => (calls || []).map((c) => `${Array.isArray(c.name) ? c.name.join('|') : c.name}(${c.arguments === undefined ? '' : JSON.stringify(c.arguments)})`).join(', ') || 'no call';

export async function render() {
  const root = el('div');
  const detail = el('section', { id: 'suite-detail', 'aria-live': 'polite' });
  const live = el('section', { id: 'eval-live', 'aria-live': 'polite' });

  async function load() {
    const [{ suites }, { providers }, { evals }, { plugins }] = await Promise.all([api('GET', '/api/suites'), api('GET', '/api/providers'),
      api('GET', '/api/evals'), api('GET', '/api/plugins')]);
    const scorers = plugins.filter((p) => p.kinds.includes('scorer')).sort((a, b) => (a.id === 'toolcall' ? -1 : b.id === 'toolcall' ? 1 : a.id.localeCompare(b.id)));
    const targets = providers.flatMap((p) => p.models.map((m) => ({ value: `${p.slug}/${m.model_id}`, label: `${m.display_name || m.model_id} — ${p.slug}` })));

    const importForm = el('form', { class: 'card', 'aria-labelledby': 'import-title' }, el('h2', { id: 'import-title', text: 'Tool-calling suites' }),
      el('div', { class: 'row' }, field('Import a file', 'file', { type: 'file', accept: 'application/json,.json,.jsonl' }),
        field('Format', 'format', { tag: 'select', options: [['native', 'Studio suite (JSON)'], ['mcp', 'MCP tools/list (JSON)'], ['bfcl', 'BFCL questions (JSON Lines)']] }),
        field('BFCL possible answers (JSON Lines)', 'answers', { type: 'file', accept: '.json,.jsonl' }),
        el('div', {}, el('button', { type: 'submit', text: 'Import' }))),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
    importForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(importForm);
      try {
        const file = importForm.file.files[0];
        if (!file) throw new Error('choose a file first');
        const format = importForm.format.value;
        const name = encodeURIComponent(file.name.replace(/\.jsonl?$/, ''));
        const body = format === 'bfcl'
          ? { questions: await file.text(), answers: importForm.answers.files[0] ? await importForm.answers.files[0].text() : undefined }
          : JSON.parse(await file.text());
        const suite = await api('POST', `/api/suites/import?format=${format}&name=${name}`, body);
        const skipped = suite.skipped && suite.skipped.length ? `; skipped ${suite.skipped.length} (${suite.skipped[0].reason})` : '';
        toast(`Imported ${suite.name}: ${suite.cases} cases${skipped}.`); load();
      } catch (err) { showError(importForm, err); }
    });

    const createForm = el('form', { class: 'card', 'aria-labelledby': 'create-suite-title' }, el('h3', { id: 'create-suite-title', text: 'New suite' }),
      field('Name', 'name', { required: true }), field('System prompt', 'system_prompt', { tag: 'textarea', rows: 2, cols: 60 }),
      field('Tools (JSON array of {"type":"function","function":{name, description, parameters}})', 'tools', { tag: 'textarea', rows: 5, cols: 80, value: '[]' }),
      field('Cases (JSON array of {id, prompt, expected_calls})', 'cases', { tag: 'textarea', rows: 5, cols: 80, value: '[]' }),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }), el('button', { type: 'submit', text: 'Create suite' }));
    createForm.tools.textContent = '[]'; createForm.cases.textContent = '[]';
    createForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(createForm);
      try {
        const body = { name: createForm.name.value, system_prompt: createForm.system_prompt.value, tools: JSON.parse(createForm.tools.value || '[]'), cases: JSON.parse(createForm.cases.value || '[]') };
        await api('POST', '/api/suites', body); load();
      } catch (err) { showError(createForm, err); }
    });

    const runForm = el('form', { class: 'card', 'aria-labelledby': 'run-eval-title' }, el('h3', { id: 'run-eval-title', text: 'Run an eval' }),
      el('div', { class: 'row' }, field('Suite', 'suite_id', { tag: 'select', options: suites.map((s) => [s.id, `${s.name} (${s.cases} cases)`]) }),
        field('Tool choice', 'tool_choice', { tag: 'select', options: [['auto', 'auto'], ['required', 'required'], ['none', 'none']] }),
        field('Repeat (k)', 'repeat', { type: 'number', min: 1, max: 10, value: 1 }),
        field('Scorer', 'scorer', { tag: 'select', options: scorers.map((p) => [p.id, p.name]) })),
      el('fieldset', {}, el('legend', { text: 'Models' }), targets.map((t, i) => el('div', {},
        el('input', { type: 'checkbox', id: `et${i}`, name: 'target', value: t.value }), el('label', { for: `et${i}`, class: 'inline', text: ` ${t.label}` })))),
      el('p', { class: 'error', 'data-error-for': 'targets' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('button', { type: 'submit', text: 'Run eval' }));
    runForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(runForm);
      const chosen = [...runForm.querySelectorAll('input[name=target]:checked')].map((c) => { const [provider, ...rest] = c.value.split('/'); return { provider, model: rest.join('/') }; });
      try {
        const job = await api('POST', '/api/evals', { suite_id: runForm.suite_id.value, targets: chosen, tool_choice: runForm.tool_choice.value,
          repeat: Number(runForm.repeat.value), scorer: runForm.scorer.value });
        followEval(job.job_id);
      } catch (err) { showError(runForm, err); }
    });

    root.replaceChildren(importForm,
      table(['suite', 'tools', 'cases', '', '', '', ''], suites.map((s) => [s.name, s.tools, s.cases,
        el('button', { type: 'button', class: 'link', text: 'open', onclick: () => openSuite(s.id) }),
        el('button', { type: 'button', class: 'secondary', text: 'Export', onclick: () => download(`/api/suites/${s.id}/export?format=native`, `${s.name}.json`).catch((err) => toast(err.message)) }),
        el('button', { type: 'button', class: 'secondary', text: 'Duplicate', onclick: async () => { await api('POST', `/api/suites/${s.id}/duplicate`); load(); } }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => { if (confirm(`Delete suite ${s.name}?`)) { await api('DELETE', `/api/suites/${s.id}`); load(); } } })])),
      detail, runForm, live, createForm,
      el('h3', { text: 'Past evals' }),
      table(['started', 'status', 'models', ''], evals.map((r) => [when(r.started_at), r.status, (r.request && r.request.targets || []).map((t) => t.model).join(', '),
        el('button', { type: 'button', class: 'link', text: 'open', onclick: () => openEval(r.id) })])));
  }

  async function openSuite(id) {
    const suite = await api('GET', `/api/suites/${id}`);
    const addCase = el('form', { class: 'row' }, field('Case id', 'id', { required: true }), field('Prompt', 'prompt', { required: true, size: 40 }),
      field('Expected tool', 'tool', { tag: 'select', options: [['', '(no call)'], ...suite.tools.map((t) => [t.function.name, t.function.name])] }),
      field('Arguments (JSON)', 'arguments', { value: '{}' }), el('div', {}, el('button', { type: 'submit', class: 'secondary', text: 'Add case' })),
      el('p', { class: 'error', 'data-error-for': 'form' }));
    addCase.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(addCase);
      try {
        const body = { id: addCase.id.value, prompt: addCase.prompt.value };
        body.expected_calls = addCase.tool.value ? [{ name: addCase.tool.value, arguments: JSON.parse(addCase.arguments.value || '{}') }] : [];
        await api('POST', `/api/suites/${id}/cases`, body); openSuite(id); load();
      } catch (err) { showError(addCase, err); }
    });
    detail.replaceChildren(el('h3', { text: `Suite ${suite.name}` }), el('p', { class: 'note', text: suite.system_prompt || 'No system prompt.' }),
      table(['tool', 'description'], suite.tools.map((t) => [t.function.name, t.function.description || ''])),
      table(['case', 'prompt', 'expected calls', ''], suite.cases.map((c) => [c.id, c.body.prompt, callsText(c.body.expected_calls),
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => { await api('DELETE', `/api/suites/${id}/cases/${c.case_id}`); openSuite(id); load(); } })])),
      addCase);
  }

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

  async function followEval(jobId) {
    const body = el('tbody');
    const status = el('p', { class: 'note', id: 'eval-status', text: `Job ${jobId}: running…` });
    const summaryBox = el('div', { id: 'eval-summaries' });
    live.replaceChildren(el('h3', { text: 'Eval results' }), status, el('div', { class: 'table-wrap' }, el('table', { id: 'eval-results' },
      el('thead', {}, el('tr', {}, ['case', 'model', 'try', 'score', 'passed', 'error', 'calls made', 'latency ms'].map((c) => el('th', { scope: 'col', text: c })))), body)), summaryBox);
    await follow(jobId, (name, data) => {
      if (name === 'result') {
        body.append(el('tr', {}, [data.case_id, data.target, data.repeat, fmt(data.score, 2), data.passed ? 'yes' : 'no', data.error_type || '',
          callsText(data.output && data.output.calls), fmt(data.latency_ms)].map((c) => el('td', { text: c }))));
      } else if (name === 'progress') { status.textContent = `Job ${jobId}: ${data.done}/${data.total}`; }
      else if (name === 'complete' || name === 'cancelled') { status.textContent = `Job ${jobId}: ${name}.`; summaryBox.replaceChildren(summaries(data.models)); }
      else if (name === 'error') { status.textContent = `Job ${jobId} failed: ${data.message}`; }
    }, new AbortController().signal);
  }

  async function openEval(id) {
    const run = await api('GET', `/api/evals/${id}`);
    live.replaceChildren(el('h3', { text: `Eval ${id} — ${run.status}` }), summaries(run.models),
      table(['case', 'model', 'try', 'score', 'passed', 'error', 'calls made'], run.results.map((r) => [r.case_id, r.target, r.repeat, fmt(r.score, 2), r.passed ? 'yes' : 'no', r.error_type || '', callsText(r.output && r.output.calls)])));
  }

  await load();
  return root;
}
