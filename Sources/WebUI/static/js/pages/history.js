// History: runs with filters, run detail, compare 2–4 runs, leaderboard, trends, exports.
import { api, download } from '../api.js';
import { barChart, lineChart } from '../charts.js';
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
    detail.replaceChildren(el('h3', { text: `Run ${id} — ${run.status}` }),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'secondary', text: 'Export CSV', onclick: () => download(`/api/runs/${id}/export?format=csv`, `run-${id}.csv`).catch((e) => toast(e)) }),
        el('button', { type: 'button', class: 'secondary', text: 'Export JSON', onclick: () => download(`/api/runs/${id}/export?format=json`, `run-${id}.json`).catch((e) => toast(e)) }),
        requestsButton(id),
        el('button', { type: 'button', class: 'danger', text: 'Delete run', onclick: async () => { await api('DELETE', `/api/runs/${id}`); detail.replaceChildren(); loadRuns(); } })),
      table(['target', 'tier', 'ok', 'TTFT p50', 'TTFT p95', 'tok/s mean', 'ITL mean', 'confidence'],
        run.aggregates.map((a) => [a.target, a.context_tier, `${a.ok}/${a.ok + a.failed}`, fmt(a.ttft_ms && a.ttft_ms.p50), fmt(a.ttft_ms && a.ttft_ms.p95),
          fmt(a.output_speed && a.output_speed.mean), fmt(a.itl_ms && a.itl_ms.mean, 2), a.confidence || '—']), { caption: 'Aggregates' }),
      table(['target', 'tier', 'run', 'TTFT ms', 'tok/s', 'ITL ms', 'tokens', 'error'],
        run.results.map((r) => [r.target, r.context_tier, r.run, fmt(r.ttft_ms), fmt(r.output_speed), fmt(r.itl_ms, 2), tokens(r), r.error_class || '']), { caption: 'Every run' }));
  }

  async function compare(ids) {
    if (ids.length < 2 || ids.length > 4) { toast('Select 2 to 4 runs to compare.'); return; }
    try {
      const c = await api('GET', `/api/analytics/compare?runs=${ids.join(',')}`);
      const cell = (v) => (v ? `${fmt(v.value)}${v.difference_percent !== undefined && v.difference_percent !== null ? ` (${v.difference_percent >= 0 ? '+' : ''}${fmt(v.difference_percent)}%)` : ''}` : '—');
      detail.replaceChildren(el('h3', { text: 'Compare' }), table(['target', 'tier', ...ids.map((id, i) => `TTFT p50 #${i + 1}`), ...ids.map((id, i) => `tok/s #${i + 1}`)],
        c.rows.map((r) => [r.target, r.context_tier, ...r.ttft_ms_median.map(cell), ...r.output_speed_median.map(cell)])));
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
    if (models.length) showTrends(models[0], models);
  }
  period.addEventListener('change', loadBoard);

  async function showTrends(model, models) {
    const pick = el('select', { id: 'trend-model', 'aria-label': 'Model' }, models.map((m) => el('option', { value: m, text: m, selected: m === model })));
    pick.addEventListener('change', () => showTrends(pick.value, models));
    const { points } = await api('GET', `/api/analytics/trends?model=${encodeURIComponent(model)}&period=${period.value}`);
    trends.replaceChildren(el('h3', { text: 'Trends' }), el('label', { for: 'trend-model', text: 'Model' }), pick,
      lineChart(`Median TTFT of ${model} per run`, 'ms', points.map((p) => ({ x: new Date(p.at), y: p.ttft_ms_median }))),
      lineChart(`Median output speed of ${model} per run`, 'tokens/s', points.map((p) => ({ x: new Date(p.at), y: p.output_speed_median }))));
  }

  filters.addEventListener('submit', (e) => { e.preventDefault(); loadRuns(); });
  await loadRuns();
  await loadBoard();
  return el('div', {}, filters, list, detail, board, trends);
}

/** Each request of a run as CSV (docs/load.md, "Per-request export"): to join with a server's log. */
function requestsButton(id) {
  return el('button', {
    type: 'button', class: 'secondary', text: 'Export each request (CSV)',
    title: 'One row per request: send time, TTFT, inter-token latencies, the server\'s request id',
    onclick: () => download(`/api/runs/${id}/requests?format=csv`, `run-${id}-requests.csv`).catch((e) => toast(e)),
  });
}
