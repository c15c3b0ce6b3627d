// An experiment's timeline (pages/experiments.js): every eval and tuning run linked to it,
// oldest first, as a table — when, what kind, the configuration in words, and per model
// the score, cost, latency and the delta from the baseline eval with its 95 % interval and
// verdict (in words and colour) — and as a chart of score over the timeline, one line per
// model, the baseline marked.
import { seriesChart } from '../charts.js';
import { el, table } from '../ui.js';
import { configText, cost, deltaText, modelLabel, ms, score, targetKey, tuningScore, verdictClass, when } from './words.js';

/** One line per model in a cell (several models of one eval line up across columns). */
function lines(values) {
  if (values.length === 1) return values[0] instanceof Node ? values[0] : String(values[0]);
  return el('div', { class: 'lines' }, values.map((v) => el('div', {}, v)));
}

function delta(d, note = null) {
  if (!d) return el('span', { class: 'note', text: note || '—' });
  return el('span', { class: `delta ${verdictClass(d.verdict)}` }, deltaText(d));
}

const kindText = (entry) => {
  const what = entry.kind === 'eval' ? 'eval' : `tuning run${entry.trials ? ` (${entry.trials} trials)` : ''}`;
  return entry.status && entry.status !== 'done' ? `${what}, ${entry.status}` : what;
};

/** The table. `actions(entry, n)` gives a row's buttons. */
export function timelineTable(experiment, actions) {
  const targets = experiment.targets || [];
  // One model: its name is in the summary above, not on every row.
  const several = targets.length > 1 || experiment.timeline.some((e) => e.kind === 'eval' && e.models.length > 1);
  const rows = experiment.timeline.map((entry, i) => {
    const n = i + 1;
    const kind = el('span', {}, kindText(entry), entry.baseline ? el('span', { class: 'badge', text: 'baseline' }) : null);
    if (entry.kind === 'eval') {
      const models = entry.models.length ? entry.models : [{ target: '—', score: null, cost_usd: null, latency_ms: null, delta: null }];
      const base = entry.baseline ? 'this is the baseline' : entry.status === 'done' ? 'no baseline eval to compare with yet' : '—';
      return { entry, cells: [String(n), when(entry.at), kind, configText(entry.config),
        ...(several ? [lines(models.map((m) => modelLabel(m.target, targets)))] : []), lines(models.map((m) => score(m.score))),
        lines(models.map((m) => cost(m.cost_usd))), lines(models.map((m) => ms(m.latency_ms))),
        lines(models.map((m) => delta(m.delta, base))), actions(entry, n)] };
    }
    // A tuning run: its best, confirmed on a fresh paired run against its baseline.
    const c = entry.confirmation;
    const target = entry.target ? targetKey(entry.target) : '—';
    const confirmed = c && c.comparison
      ? el('span', {}, delta(c.comparison), el('span', { class: 'note detail', text: 'a fresh paired run of its best against the baseline' }))
      : el('span', { class: 'note', text: c && c.skipped ? `not confirmed: ${c.skipped}` : entry.best ? 'not compared with the baseline' : '—' });
    return { entry, cells: [String(n), when(entry.at), kind, entry.best ? `best: ${configText(entry.best.config)}` : 'no best yet',
      ...(several ? [modelLabel(target, targets)] : []), score(tuningScore(entry)),
      entry.spent && entry.spent.cost_usd !== null && entry.spent.cost_usd !== undefined
        ? el('span', {}, cost(entry.spent.cost_usd), el('span', { class: 'note detail', text: 'the whole run' })) : cost(null), ms(c && c.best ? c.best.latency_ms : null), confirmed, actions(entry, n)] };
  });
  const columns = ['run', 'when', 'kind', 'configuration', ...(several ? ['model'] : []), 'score', 'cost', 'latency', 'delta from the baseline', 'actions'];
  const box = table(columns, rows.map((r) => r.cells),
    { caption: 'Timeline, oldest first', stacked: true });
  box.id = 'exp-timeline';
  // Each row says what it is: the baseline row marked (in words in its kind cell, too).
  box.querySelectorAll('tbody tr').forEach((tr, i) => {
    const { entry } = rows[i];
    tr.dataset.kind = entry.kind;
    tr.dataset.id = entry.id;
    if (entry.baseline) tr.classList.add('baseline');
  });
  return box;
}

/** Score over the timeline: one line per model, the baseline eval's points marked. */
export function scoreChart(experiment) {
  const targets = experiment.targets || [];
  const series = new Map(targets.map((t) => [targetKey(t), []]));
  const baseline = [];
  const baseRuns = new Set();
  experiment.timeline.forEach((entry, i) => {
    const x = i + 1;
    if (entry.kind === 'eval') {
      for (const m of entry.models) {
        if (m.score === null || m.score === undefined) continue;
        if (!series.has(m.target)) series.set(m.target, []);
        series.get(m.target).push({ x, y: m.score });
        if (entry.baseline) { baseline.push({ x, y: m.score }); baseRuns.add(x); }
      }
    } else if (entry.target && tuningScore(entry) !== null) {
      const key = targetKey(entry.target);
      if (!series.has(key)) series.set(key, []);
      series.get(key).push({ x, y: tuningScore(entry) });
    }
  });
  const drawn = [...series.entries()].filter(([, points]) => points.length).map(([key, points]) => ({ name: modelLabel(key, targets), points }));
  if (!drawn.length) return null;
  if (baseline.length) drawn.push({ name: 'baseline eval', points: baseline, line: false });
  const text = (x) => `run ${x}${baseRuns.has(x) ? ' (baseline)' : ''}`;
  const tuned = experiment.timeline.some((e) => e.kind === 'tuning');
  const figure = seriesChart(`Score over the timeline${tuned ? ' (a tuning run at its confirmed best)' : ''}`, 'score 0–1', drawn, { name: 'run', text, end: text });
  figure.id = 'exp-chart';
  return figure;
}
