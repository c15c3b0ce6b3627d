// LLM-as-judge: the user's judge settings, judging a finished eval (post-eval) or
// comparing two evals pairwise, live verdicts, and the stored reports (open, delete).
import { api, follow } from '../api.js';
import { barChart } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, when, toast } from '../ui.js';

const list = (items) => (items || []).join(' · ') || '—';

/** A report's per-model cards, or a comparison's summary. */
export function reportView(report) {
  const r = report.report || {};
  if (report.mode === 'compare') {
    return el('div', { class: 'card' },
      el('p', {}, `A ${r.wins_a ?? '—'} wins · ${r.ties ?? '—'} ties · B ${r.wins_b ?? '—'} wins · ${r.errors ?? 0} judge errors. `,
        r.better ? el('strong', { text: `Eval ${r.better.toUpperCase()} is better (p = ${fmt(r.p_value, 4)}).` })
          : `No significant difference (p = ${fmt(r.p_value, 3)}, confidence ${fmt(100 * (r.confidence ?? 0), 1)} %).`),
      el('p', { class: 'note', text: `Pairs: ${list(r.pairs)}. A win counts only when both orders (A first, B first) agree.` }));
  }
  const models = r.models || [];
  return el('div', {},
    table(['model', 'grade', 'score', 'mean quality', 'pass', 'marginal', 'fail', 'judge errors', 'strengths', 'weaknesses', 'recommendations'],
      models.map((m) => [m.target, m.error ? `error: ${m.error.code}` : m.grade, fmt(m.score, 0), fmt(m.mean_quality, 2), m.pass, m.marginal, m.fail,
        m.judge_errors, list(m.strengths), list(m.weaknesses), list(m.recommendations)]), { caption: 'Report cards' }),
    models.some((m) => m.score !== undefined) ? barChart('Judge score by model', 'score 0–100', models.filter((m) => m.score !== undefined).map((m) => ({ label: m.target, value: m.score }))) : null);
}

/** The verdict rows of a report (per case, or per compared pair). */
export function verdictTable(report, verdicts) {
  if (report.mode === 'compare') {
    return table(['case', 'try', 'A', 'B', 'A first →', 'B first →', 'outcome', 'reasoning'], verdicts.map((v) => [v.case_id, v.repeat, v.target_a, v.target_b,
      v.a_first ? v.a_first.pick : '—', v.b_first ? v.b_first.pick : '—', v.error ? `error: ${v.error.code}` : v.outcome,
      v.error ? v.error.message : (v.a_first && v.a_first.reasoning) || '']), { caption: 'Verdicts' });
  }
  return table(['case', 'model', 'try', 'auto score', 'quality', 'verdict', 'override', 'reasoning'], verdicts.map((v) => [v.case_id, v.target, v.repeat,
    fmt(v.automatic_score && v.automatic_score.score, 2), v.quality ?? '—', v.error ? `error: ${v.error.code}` : v.verdict,
    fmt(v.override_score, 2), v.error ? v.error.message : v.reasoning]), { caption: 'Verdicts' });
}

/** Follows a judge job, filling `box` with verdicts and report cards as they arrive. */
export async function followJudge(jobId, box, onDone) {
  const status = el('p', { class: 'note', id: 'judge-status', text: `Judge job ${jobId}: running…` });
  const body = el('tbody');
  const cards = el('div', { id: 'judge-cards' });
  box.replaceChildren(el('h3', { text: 'Judging' }), status, el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Verdicts' }, el('table', { id: 'judge-verdicts' },
    el('thead', {}, el('tr', {}, ['case', 'model', 'quality / outcome', 'verdict', 'reasoning'].map((c) => el('th', { scope: 'col', text: c })))), body)), cards);
  let verdicts = 0;
  const failures = [];
  await follow(jobId, (name, data) => {
    if (name === 'judge_verdict') {
      verdicts += 1;
      if (data.error) failures.push(data.error);
      body.append(el('tr', {}, [data.case_id, data.target || `${data.target_a} vs ${data.target_b}`, data.quality ?? data.outcome ?? '—',
        data.error ? `error: ${data.error.code}` : (data.verdict || ''), data.error ? data.error.message : (data.reasoning || '')].map((c) => el('td', { text: c }))));
    } else if (name === 'judge_report') {
      cards.append(el('p', { class: 'card', text: data.target
        ? `${data.target}: ${data.error ? `no report (${data.error.message})` : `grade ${data.grade}, score ${fmt(data.score, 0)}`}`
        : `A ${data.wins_a} · ties ${data.ties} · B ${data.wins_b}` }));
    } else if (name === 'progress') { status.textContent = `Judge job ${jobId}: ${data.done}/${data.total}`; }
    else if (name === 'complete' || name === 'cancelled') {
      status.textContent = name === 'complete'
        ? `Judged: ${verdicts - failures.length} of ${verdicts} verdicts${failures.length ? ` (${failures.length} failed: ${failures[0].message.slice(0, 120)})` : ''}.`
        : 'Cancelled. The verdicts so far are kept.';
      if (onDone) onDone(data);
    } else if (name === 'error') {
      // Said first, as an alert, with what to do: the server fails a judge job that judged
      // nothing (every verdict an error) instead of calling it done.
      status.className = 'bad';
      status.setAttribute('role', 'alert');
      const everyCase = /failed on every case/.test(data.message || '');
      status.textContent = everyCase
        ? `The judge ${data.message.replace(/^the judge /, '')}. Check the judge model under Judge settings — it must answer with verdicts (an instruction-following chat model) and have its key saved — then judge again.`
        : `The judge job failed: ${data.message || 'no reason given'}`;
      if (onDone) onDone(data);
    }
  }, new AbortController().signal);
}

export async function render() {
  const root = el('div');
  const live = el('section', { id: 'judge-live', 'aria-live': 'polite' });
  const detail = el('section', { id: 'judge-report', 'aria-live': 'polite' });

  async function load() {
    const [settings, { providers }, { evals }, { reports }] = await Promise.all([api('GET', '/api/settings/judge'), api('GET', '/api/providers'),
      api('GET', '/api/evals'), api('GET', '/api/judge-reports')]);
    const models = providers.flatMap((p) => p.models.map((m) => [`${p.slug}/${m.model_id}`, `${m.display_name || m.model_id} — ${p.slug}`]));
    const current = settings.provider ? `${settings.provider}/${settings.model}` : '';

    const form = el('form', { class: 'card', 'aria-labelledby': 'judge-settings-title' }, el('h2', { id: 'judge-settings-title', text: 'Judge settings' }),
      el('div', { class: 'row' },
        field('Judge model', 'model', { tag: 'select', options: [['', '(none)'], ...models] }),
        field('Prompt version', 'prompt_version', { tag: 'select', options: settings.prompt_versions.map((v) => [v, v]) }),
        field('Concurrency (1–20)', 'concurrency', { type: 'number', min: 1, max: 20, value: settings.concurrency }),
        field('Override scores', 'override_policy', { tag: 'select', options: [['show', 'show only'], ['apply', 'apply to scores']] })),
      el('div', { class: 'row' },
        el('div', {}, el('input', { type: 'checkbox', id: 'auto-judge', name: 'auto_judge', checked: settings.auto_judge }),
          el('label', { for: 'auto-judge', class: 'inline', text: ' Judge evals automatically when a model scores below' })),
        field('Threshold (0–1)', 'auto_judge_threshold', { type: 'number', min: 0, max: 1, step: 0.05, value: settings.auto_judge_threshold })),
      el('p', { class: 'error', 'data-error-for': 'provider' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
      el('button', { type: 'submit', text: 'Save judge settings' }));
    form.model.value = current;
    form.prompt_version.value = settings.prompt_version;
    form.override_policy.value = settings.override_policy;
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      const [provider, ...rest] = form.model.value.split('/');
      try {
        await api('PUT', '/api/settings/judge', { provider: form.model.value ? provider : null, model: form.model.value ? rest.join('/') : null,
          prompt_version: form.prompt_version.value, concurrency: Number(form.concurrency.value), override_policy: form.override_policy.value,
          auto_judge: form.auto_judge.checked, auto_judge_threshold: Number(form.auto_judge_threshold.value) });
        toast('Judge settings saved.');
      } catch (err) { showError(form, err); }
    });

    const finished = evals.filter((r) => r.status !== 'running');
    const label = (r) => `${when(r.started_at)} — ${(r.request && r.request.targets || []).map((t) => t.model).join(', ')}`;
    const judgeForm = el('form', { class: 'card', 'aria-labelledby': 'judge-run-title' }, el('h3', { id: 'judge-run-title', text: 'Judge an eval' }),
      el('div', { class: 'row' }, field('Eval', 'eval', { tag: 'select', options: finished.map((r) => [r.id, label(r)]) }),
        field('Prompt version', 'prompt_version', { tag: 'select', options: settings.prompt_versions.map((v) => [v, v]) }),
        el('div', {}, el('button', { type: 'submit', text: 'Judge' }))),
      el('p', { class: 'error', 'data-error-for': 'model' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
    judgeForm.prompt_version.value = settings.prompt_version;
    judgeForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(judgeForm);
      try {
        const job = await api('POST', `/api/evals/${encodeURIComponent(judgeForm.eval.value)}/judge`, { prompt_version: judgeForm.prompt_version.value, queue: true });
        followJudge(job.job_id, live, (data) => { load(); if (data.report_id) openReport(data.report_id); });
      } catch (err) { showError(judgeForm, err); }
    });

    const compareForm = el('form', { class: 'card', 'aria-labelledby': 'compare-title' }, el('h3', { id: 'compare-title', text: 'Compare two evals (pairwise)' }),
      el('div', { class: 'row' }, field('Eval A', 'eval_a', { tag: 'select', options: finished.map((r) => [r.id, label(r)]) }),
        field('Eval B', 'eval_b', { tag: 'select', options: finished.map((r) => [r.id, label(r)]) }),
        el('div', {}, el('button', { type: 'submit', text: 'Compare' }))),
      el('p', { class: 'error', 'data-error-for': 'eval_a' }), el('p', { class: 'error', 'data-error-for': 'eval_b' }),
      el('p', { class: 'error', 'data-error-for': 'model' }), el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
    if (finished.length > 1) compareForm.eval_b.value = finished[1].id;
    compareForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(compareForm);
      try {
        const job = await api('POST', '/api/evals/compare', { eval_a: compareForm.eval_a.value, eval_b: compareForm.eval_b.value, queue: true });
        followJudge(job.job_id, live, (data) => { load(); if (data.report_id) openReport(data.report_id); });
      } catch (err) { showError(compareForm, err); }
    });

    // What to do first, when there is nothing to judge yet.
    const noModels = models.length ? null : el('p', { class: 'note empty' }, 'No models yet: add one under ', el('a', { href: '#/providers', text: 'Providers & keys' }),
      ' — the simulator\'s “sim-judge-…” model answers judge prompts, for a try without a key.');
    const noEvals = finished.length ? null : el('p', { class: 'note empty' }, 'Nothing to judge yet: run a suite under ', el('a', { href: '#/evals', text: 'Tool eval' }),
      ', then judge its answers here, or compare two evals of one suite.');
    root.replaceChildren(noModels, form, noEvals, finished.length ? judgeForm : null, finished.length > 1 ? compareForm : null, live,
      el('h3', { text: 'Judge reports' }),
      reports.length ? null : el('p', { class: 'note', text: 'No judge reports yet. Each judgement and comparison is kept here.' }),
      reports.length === 0 ? null : table(['created', 'mode', 'judge', 'prompt', 'status', 'eval', '', ''], reports.map((r) => [when(r.created_at), r.mode, r.judge_model, r.prompt_version, r.status,
        r.compare_eval_id ? `${r.eval_id.slice(0, 8)} vs ${r.compare_eval_id.slice(0, 8)}` : (r.eval_id || '').slice(0, 8),
        el('button', { type: 'button', class: 'link', text: 'open', onclick: () => openReport(r.id) }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => {
          if (!confirm('Delete this judge report?')) return;
          try { await api('DELETE', `/api/judge-reports/${r.id}`); detail.replaceChildren(); load(); } catch (err) { toast(err); }
        } })])), detail);
  }

  async function openReport(id) {
    const report = await api('GET', `/api/judge-reports/${encodeURIComponent(id)}`);
    detail.replaceChildren(el('h3', { text: `Judge report — ${report.mode}, ${report.judge_model}, prompt ${report.prompt_version} (${report.status})` }),
      reportView(report), verdictTable(report, report.verdicts));
    detail.scrollIntoView({ block: 'start' });
  }

  await load();
  const wanted = new URLSearchParams(location.hash.split('?')[1] || '').get('report');
  if (wanted) await openReport(wanted);
  return root;
}
