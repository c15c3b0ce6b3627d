// Tool-calling evaluation: suites (import native/MCP, create, cases), runs with live
// per-case results (expected vs actual calls) and per-model summaries.
import { api, download, follow } from '../api.js';
import { barChart } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, when, toast } from '../ui.js';
import { followJudge, reportView } from './judge.js';

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
      el('div', {}, el('input', { type: 'checkbox', id: 'eval-judge', name: 'judge' }),
        el('label', { for: 'eval-judge', class: 'inline', text: ' Judge results as they arrive (judge model from the Judge page)' })),
      el('p', { class: 'error', 'data-error-for': 'judge' }),
      el('fieldset', {}, el('legend', { text: 'Models' }), targets.map((t, i) => el('div', {},
        el('input', { type: 'checkbox', id: `et${i}`, name: 'target', value: t.value }), el('label', { for: `et${i}`, class: 'inline', text: ` ${t.label}` })))),
      el('p', { class: 'error', 'data-error-for': 'targets' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('button', { type: 'submit', text: 'Run eval' }));
    runForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(runForm);
      const chosen = [...runForm.querySelectorAll('input[name=target]:checked')].map((c) => { const [provider, ...rest] = c.value.split('/'); return { provider, model: rest.join('/') }; });
      try {
        const job = await api('POST', '/api/evals', { suite_id: runForm.suite_id.value, targets: chosen, tool_choice: runForm.tool_choice.value,
          repeat: Number(runForm.repeat.value), scorer: runForm.scorer.value, judge: runForm.judge.checked });
        followEval(job.job_id);
      } catch (err) { showError(runForm, err); }
    });

    root.replaceChildren(importForm,
      table(['suite', 'tools', 'cases', '', '', '', ''], suites.map((s) => [s.name, s.tools, s.cases,
        el('button', { type: 'button', class: 'link', text: 'open', onclick: () => openSuite(s.id) }),
        el('button', { type: 'button', class: 'secondary', text: 'Export', onclick: () => download(`/api/suites/${s.id}/export?format=native`, `${s.name}.json`).catch((err) => toast(err)) }),
        el('button', { type: 'button', class: 'secondary', text: 'Duplicate', onclick: async () => { await api('POST', `/api/suites/${s.id}/duplicate`); load(); } }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => { if (confirm(`Delete suite ${s.name}?`)) { await api('DELETE', `/api/suites/${s.id}`); load(); } } })])),
      detail, runForm, live, createForm,
      el('h3', { text: 'Past evals' }),
      table(['started', 'status', 'models', '', ''], evals.map((r) => [when(r.started_at), r.status, (r.request && r.request.targets || []).map((t) => t.model).join(', '),
        el('button', { type: 'button', class: 'link', text: 'open', onclick: () => openEval(r.id) }),
        el('button', { type: 'button', class: 'secondary', text: 'Judge', disabled: r.status === 'running', onclick: () => judgeEval(r.id) })])));
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
    live.replaceChildren(el('h3', { text: 'Eval results' }), status, el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Eval results' }, el('table', { id: 'eval-results' },
      el('thead', {}, el('tr', {}, ['case', 'model', 'try', 'score', 'passed', 'error', 'calls made', 'latency ms', 'judge'].map((c) => el('th', { scope: 'col', text: c })))), body)), summaryBox);
    const judgeCells = new Map();
    const cards = el('div', { id: 'eval-judge-cards' });
    const verdictText = (v) => (v.error ? `judge error: ${v.error.code}` : `${v.verdict} (${v.quality}/5)`);
    await follow(jobId, (name, data) => {
      if (name === 'result') {
        const judgeCell = el('td', { text: '' });
        judgeCells.set(`${data.case_id}|${data.target}|${data.repeat}`, judgeCell);
        body.append(el('tr', {}, [data.case_id, data.target, data.repeat, fmt(data.score, 2), data.passed ? 'yes' : 'no', data.error_type || '',
          callsText(data.output && data.output.calls), fmt(data.latency_ms)].map((c) => el('td', { text: c })), judgeCell));
      } else if (name === 'judge_verdict') {
        const cell = judgeCells.get(`${data.case_id}|${data.target}|${data.repeat}`);
        if (cell) cell.textContent = verdictText(data);
      } else if (name === 'judge_report') {
        cards.append(el('p', { class: 'card', text: `${data.target}: ${data.error ? `no report (${data.error.message})` : `judge grade ${data.grade}, score ${fmt(data.score, 0)}`}` }));
      } else if (name === 'progress') { status.textContent = `Job ${jobId}: ${data.done}/${data.total}`; }
      else if (name === 'complete' || name === 'cancelled') {
        status.textContent = `Job ${jobId}: ${name}.`;
        summaryBox.replaceChildren(summaries(data.models), cards);
        if (data.judge_report_id) summaryBox.append(el('a', { href: `#/judge?report=${data.judge_report_id}`, text: 'Open the judge report' }));
        if (data.judge_job_id) summaryBox.append(el('p', { class: 'note', text: `A model scored below your auto-judge threshold: judge job ${data.judge_job_id} queued.` }));
      }
      else if (name === 'error') { status.textContent = `Job ${jobId} failed: ${data.message}`; }
    }, new AbortController().signal);
  }

  async function openEval(id) {
    const run = await api('GET', `/api/evals/${id}`);
    const judged = run.judge_report_id
      ? el('p', { class: 'note' }, `Judge verdicts from the latest report; override scores ${run.override_policy === 'apply' ? `applied (${run.overrides_applied})` : 'shown only'}. `,
        el('a', { href: `#/judge?report=${run.judge_report_id}`, text: 'Open the judge report' }))
      : el('p', { class: 'note', text: 'Not judged yet.' });
    live.replaceChildren(el('h3', { text: `Eval ${id} — ${run.status}` }), summaries(run.models), judged,
      table(['case', 'model', 'try', 'score', 'auto score', 'passed', 'error', 'calls made', 'judge', 'override'], run.results.map((r) => [r.case_id, r.target, r.repeat,
        fmt(r.score, 2), fmt(r.automatic_score ?? r.score, 2), r.passed ? 'yes' : 'no', r.error_type || '', callsText(r.output && r.output.calls),
        r.judge ? (r.judge.error ? `judge error: ${r.judge.error.code}` : `${r.judge.verdict} (${r.judge.quality}/5)`) : '—',
        r.judge ? fmt(r.judge.override_score, 2) : '—'])));
  }

  async function judgeEval(id) {
    try {
      const job = await api('POST', `/api/evals/${encodeURIComponent(id)}/judge`, { queue: true });
      await followJudge(job.job_id, live, async (data) => {
        if (!data.report_id) return;
        const report = await api('GET', `/api/judge-reports/${data.report_id}`);
        live.append(reportView(report), el('a', { href: `#/judge?report=${data.report_id}`, text: 'Open the judge report' }));
      });
    } catch (err) { toast(err); }
  }

  await load();
  return root;
}
