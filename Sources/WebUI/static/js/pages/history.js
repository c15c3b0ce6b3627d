// History: runs with filters, run detail (charts and the settings used), compare 2–4 runs
// (columns named by run), leaderboard, trends of several models, exports.
import { api, download } from '../api.js';
import { barChart, histogram, seriesChart } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, tokens, when, toast } from '../ui.js';
import { levelsView } from './load.js';

export async function render() {
  const filters = el('form', { class: 'card', 'aria-labelledby': 'history-title' },
    el('h2', { id: 'history-title', text: 'History' }),
    el('div', { class: 'row' }, field('Model', 'model'), field('Provider', 'provider'), field('Since', 'since', { type: 'date' }),
      el('div', {}, el('button', { type: 'submit', text: 'Filter' }))),
    el('p', { class: 'error', 'data-error-for': 'form' }));
  const list = el('div', { id: 'runs' });
  const detail = el('section', { 'aria-live': 'polite', id: 'run-detail' });
  const board = el('section', { class: 'card', id: 'leaderboard' });
  const trends = el('section', { class: 'card', id: 'trends' });

  async function loadRuns() {
    clearErrors(filters);
    const q = new URLSearchParams();
    for (const k of ['model', 'provider', 'since']) if (filters[k].value) q.set(k, filters[k].value);
    try {
      const { runs } = await api('GET', `/api/runs?${q}`);
      const boxes = runs.map((r) => el('input', { type: 'checkbox', value: r.id, 'aria-label': `select run ${r.id} to compare` }));
      // The action comes first, so it is never off the edge; long target lists are cut short.
      const targetsOf = (r) => {
        if (r.kind === 'load') return `${r.request.provider}/${r.request.model}`;
        const names = (r.request && r.request.targets || []).map((t) => `${t.provider}/${t.model}`);
        return names.length > 2 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
      };
      if (!runs.length) {
        const filtered = ['model', 'provider', 'since'].some((k) => filters[k].value);
        list.replaceChildren(el('p', { class: 'note empty' }, filtered ? 'No run matches these filters.' : 'No runs yet. ',
          filtered ? null : el('a', { href: '#/benchmark', text: 'Run a benchmark' }), filtered ? null : ' — every run lands here, to open, compare and export.'));
        return;
      }
      list.replaceChildren(table(['run', 'compare', 'started', 'kind', 'status', 'models'], runs.map((r, i) => [
        el('button', { type: 'button', class: 'secondary', text: 'Open', 'aria-label': `Open the run of ${when(r.started_at)}`, onclick: () => openRun(r.id) }),
        boxes[i], when(r.started_at), r.kind, r.status, targetsOf(r)]), { stacked: true }),
        el('div', { class: 'row' },
          el('button', { type: 'button', class: 'secondary', text: 'Compare selected (2–4)', onclick: () => compare(boxes.filter((b) => b.checked).map((b) => b.value)) }),
          el('button', { type: 'button', class: 'secondary', text: 'Export history (CSV)', onclick: () => download('/api/runs?format=csv', 'history.csv').catch((e) => toast(e)) })));
    } catch (e) { showError(filters, e); }
  }

  async function openRun(id) {
    const run = await api('GET', `/api/runs/${id}`);
    if (run.kind === 'load') {
      detail.replaceChildren(el('h3', { text: `Load test ${id} — ${run.status}, ${(run.summary && run.summary.target) || ''}` }),
        el('div', { class: 'row' },
          requestsButton(id),
          el('button', { type: 'button', class: 'danger', text: 'Delete run', onclick: async () => { await api('DELETE', `/api/runs/${id}`); detail.replaceChildren(); loadRuns(); } })),
        levelsView((run.summary && run.summary.levels) || []));
      return;
    }
    const medians = run.aggregates.filter((a) => a.context_tier === Math.min(...run.aggregates.map((x) => x.context_tier)));
    const group = (a) => (a.provider || a.target.split('/')[0]);
    detail.replaceChildren(el('h3', { text: `Run of ${when(run.started_at)} — ${run.status}` }),
      settingsView(run.request || {}),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'secondary', text: 'Export CSV', onclick: () => download(`/api/runs/${id}/export?format=csv`, `run-${id}.csv`).catch((e) => toast(e)) }),
        el('button', { type: 'button', class: 'secondary', text: 'Export JSON', onclick: () => download(`/api/runs/${id}/export?format=json`, `run-${id}.json`).catch((e) => toast(e)) }),
        requestsButton(id),
        el('button', { type: 'button', class: 'danger', text: 'Delete run', onclick: async () => { await api('DELETE', `/api/runs/${id}`); detail.replaceChildren(); loadRuns(); } })),
      table(['target', 'tier', 'ok', 'TTFT p50', 'TTFT p95', 'tok/s mean', 'ITL mean', 'confidence'],
        run.aggregates.map((a) => [a.target, a.context_tier, `${a.ok}/${a.ok + a.failed}`, fmt(a.ttft_ms && a.ttft_ms.p50), fmt(a.ttft_ms && a.ttft_ms.p95),
          fmt(a.output_speed && a.output_speed.mean), fmt(a.itl_ms && a.itl_ms.mean, 2), a.confidence || '—']), { caption: 'Aggregates' }),
      el('div', { class: 'chart-grid' },
        barChart(`Median TTFT by model${medians.length && medians[0].context_tier ? ` at ${medians[0].context_tier} tokens of context` : ''}`, 'ms',
          medians.map((a) => ({ label: a.target, value: a.ttft_ms && a.ttft_ms.median, group: group(a) }))),
        barChart('Median output speed by model', 'tokens/s', medians.map((a) => ({ label: a.target, value: a.output_speed && a.output_speed.median, group: group(a) }))),
        histogram('Inter-token latency of every run', 'ms', run.results.filter((r) => !r.error_class).map((r) => r.itl_ms))),
      table(['target', 'tier', 'run', 'TTFT ms', 'tok/s', 'ITL ms', 'tokens', 'error'],
        run.results.map((r) => [r.target, r.context_tier, r.run, fmt(r.ttft_ms), fmt(r.output_speed), fmt(r.itl_ms, 2), tokens(r), r.error_class || '']), { caption: 'Every run' }));
    detail.scrollIntoView({ block: 'start' });
  }

  async function compare(ids) {
    if (ids.length < 2 || ids.length > 4) { toast('Select 2 to 4 runs to compare.'); return; }
    try {
      const c = await api('GET', `/api/analytics/compare?runs=${ids.join(',')}`);
      const cell = (v, digits) => (v ? `${fmt(v.value, digits)}${v.difference_percent !== undefined && v.difference_percent !== null ? ` (${v.difference_percent >= 0 ? '+' : ''}${fmt(v.difference_percent)}%)` : ''}` : '—');
      // Each run's columns carry its name (when it started), the first run being the baseline.
      const names = c.runs.map((r, i) => `${when(r.started_at)}${i === 0 ? ' (baseline)' : ''}`);
      const block = (title, unit, pick, digits) => table(['model', 'context', ...names],
        c.rows.map((r) => [r.target, r.context_tier, ...pick(r).map((v) => cell(v, digits))]), { caption: `${title} (${unit}); differences from the baseline in brackets`, stacked: true });
      detail.replaceChildren(el('h3', { text: `Compare ${ids.length} runs` }),
        el('ol', { class: 'note' }, c.runs.map((r, i) => el('li', { text: `${names[i]}: ${((r.request && r.request.targets) || []).map((t) => t.model).join(', ')}, ${(r.request && r.request.runs) || '?'} runs each` }))),
        block('Median time to first token', 'ms', (r) => r.ttft_ms_median), block('Median output speed', 'tokens/s', (r) => r.output_speed_median),
        block('Median inter-token latency', 'ms', (r) => r.itl_ms_median, 2), block('Median cost per run', '$', (r) => r.cost_median, 6));
      detail.scrollIntoView({ block: 'start' });
    } catch (e) { toast(e); }
  }

  const period = el('select', { id: 'period', 'aria-label': 'Period' }, ['7d', '30d', '90d', 'all'].map((p) => el('option', { value: p, text: p, selected: p === '30d' })));
  async function loadBoard() {
    const { leaderboard } = await api('GET', `/api/analytics/leaderboard?period=${period.value}`);
    board.replaceChildren(el('h3', { text: 'Leaderboard' }), el('label', { for: 'period', text: 'Period' }), period,
      el('button', { type: 'button', class: 'secondary', text: 'Export leaderboard (CSV)', onclick: () => download(`/api/analytics/leaderboard?period=${period.value}&format=csv`, 'leaderboard.csv').catch((e) => toast(e)) }),
      table(['#', 'model', 'provider', 'runs', 'tok/s median', 'tok/s best', 'TTFT median', 'TTFT best', 'cost median'],
        leaderboard.map((r) => [r.rank, r.model, r.provider, r.benchmark_runs, fmt(r.output_speed_median), fmt(r.output_speed_best), fmt(r.ttft_ms_median), fmt(r.ttft_ms_best), r.cost_median === null ? '—' : fmt(r.cost_median, 6)])),
      barChart('Median output speed', 'tokens/s', leaderboard.map((r) => ({ label: r.model, value: r.output_speed_median }))));
    const models = [...new Set(leaderboard.map((r) => r.model))];
    if (models.length) showTrends(models.slice(0, 3), models);
    else trends.replaceChildren(el('h3', { text: 'Trends' }), el('p', { class: 'note empty', text: 'Trends appear once a model has runs in this period.' }));
  }
  period.addEventListener('change', loadBoard);

  /** Medians per run over time, one line per chosen model (up to 8, one colour each). */
  async function showTrends(chosen, models) {
    const picks = el('fieldset', { class: 'chips' }, el('legend', { text: 'Models (up to 8)' }),
      models.map((m) => el('label', { class: 'chip' }, el('input', { type: 'checkbox', name: 'trend-model', value: m, checked: chosen.includes(m) }), ` ${m}`)));
    picks.addEventListener('change', () => {
      const now = [...picks.querySelectorAll('input:checked')].map((b) => b.value).slice(0, 8);
      showTrends(now, models);
    });
    const series = await Promise.all(chosen.map(async (model) => {
      const { points } = await api('GET', `/api/analytics/trends?model=${encodeURIComponent(model)}&period=${period.value}`);
      return { model, points };
    }));
    trends.replaceChildren(el('h3', { text: 'Trends' }), picks,
      chosen.length ? seriesChart('Median TTFT per run', 'ms', series.map((s) => ({ name: s.model, points: s.points.map((p) => ({ x: new Date(p.at), y: p.ttft_ms_median })) }))) : el('p', { class: 'note', text: 'Choose a model to see its trend.' }),
      chosen.length ? seriesChart('Median output speed per run', 'tokens/s', series.map((s) => ({ name: s.model, points: s.points.map((p) => ({ x: new Date(p.at), y: p.output_speed_median })) }))) : null);
  }

  filters.addEventListener('submit', (e) => { e.preventDefault(); loadRuns(); });
  await loadRuns();
  await loadBoard();
  return el('div', {}, filters, list, detail, board, trends);
}

/** The settings a run used, as sent: what a reader needs to repeat or trust it. */
function settingsView(request) {
  const params = request.params && Object.keys(request.params).length ? Object.entries(request.params).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ') : 'none';
  const rows = [
    ['Models', ((request.targets || []).map((t) => `${t.provider}/${t.model}`)).join(', ') || '—'],
    ['Runs per model', request.runs ?? '—'], ['Warm-up call', request.warmup ? 'yes' : 'no'],
    ['Max output tokens', request.max_tokens ?? '—'], ['Temperature', request.temperature ?? '—'],
    ['Context sizes (tokens)', (request.context_tiers || []).join(', ') || '0'], ['Other parameters', params]];
  const prompt = request.prompt || '';
  return el('section', { class: 'settings', 'aria-label': 'Settings of this run' },
    el('dl', {}, rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })])),
    prompt ? el('details', {}, el('summary', { text: `Prompt (${prompt.length} characters)` }), el('pre', { class: 'prompt', text: prompt })) : null);
}

/** Each request of a run as CSV (docs/load.md, "Per-request export"): to join with a server's log. */
function requestsButton(id) {
  return el('button', {
    type: 'button', class: 'secondary', text: 'Export each request (CSV)',
    title: 'One row per request: send time, TTFT, inter-token latencies, the server\'s request id',
    onclick: () => download(`/api/runs/${id}/requests?format=csv`, `run-${id}-requests.csv`).catch((e) => toast(e)),
  });
}
