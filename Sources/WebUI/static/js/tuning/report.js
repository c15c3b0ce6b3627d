// A tuning run as the user sees it, live or stored: the headline, the progress line, the
// trial table (best highlighted), the convergence chart and the Pareto chart. The page
// feeds it trials as they arrive and the summary at the end; everything is drawn from
// those, so a run followed live and the same run opened later look the same.
import { scatterChart, stepChart } from '../charts.js';
import { el } from '../ui.js';
import { comparisonText, headline, progressText, score, stopText, usd, valueText } from './words.js';

/** A trial that ran its own cases (not refused, not a repeat of an earlier request). */
const ran = (t) => t.repeats > 0 && !(t.note || '').startsWith('the same request');

/** The best trial as the server picks it: highest score, fewest errors, earliest. */
function bestOf(trials) {
  return trials.filter(ran).reduce((b, t) => (!b || t.score > b.score || (t.score === b.score && t.errors < b.errors) ? t : b), null);
}

/** The trials no other beats on score, cost and latency at once (docs/tuning.md, "The
 *  Pareto front"; the same rule as ParetoFront.swift): an unknown cost or latency is
 *  neither better nor worse than a known one. */
function paretoOf(trials) {
  const points = trials.filter(ran);
  const notWorse = (a, b) => (a === null || b === null ? a === null && b === null : a <= b);
  const better = (a, b) => a !== null && b !== null && a < b;
  const dominates = (q, p) => q.score >= p.score && notWorse(q.cost_usd, p.cost_usd) && notWorse(q.latency_ms, p.latency_ms)
    && (q.score > p.score || better(q.cost_usd, p.cost_usd) || better(q.latency_ms, p.latency_ms));
  return new Set(points.filter((p) => !points.some((q) => q !== p && dominates(q, p))).map((p) => p.trial));
}

/** `prefix` keeps the ids of two views on one page apart (the live run, an opened one);
 *  `heading`: the title's level where the view is placed. */
export function runView(prefix, heading = 'h3') {
  const trials = new Map();  // trial number → trial; a trial replayed or preloaded twice is one row
  let summary = null, status = 'running', request = {};
  const title = el(heading, { id: `${prefix}-title`, class: 'run-title', tabindex: -1 });
  const head = el('div', { id: `${prefix}-headline`, class: 'tune-headline', hidden: true });
  const line = el('p', { class: 'note', id: `${prefix}-status`, role: 'status' });
  const bar = el('progress', { id: `${prefix}-progress`, 'aria-label': 'Tuning progress', hidden: true });
  const thead = el('thead');
  const tbody = el('tbody');
  const tableBox = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Trials' },
    el('table', { id: `${prefix}-trials`, class: 'trials' }, el('caption', { class: 'note', text: 'Every trial, in order (the best is marked)' }), thead, tbody));
  // One above the other: each is drawn at the page's width, so its text stays legible.
  const charts = el('div', { class: 'tune-charts', id: `${prefix}-charts` });
  const actions = el('div', { class: 'actions' });  // the page's buttons for this run (Cancel, Resume, Close)
  const node = el('div', { class: 'tune-run' }, title, head, line, bar, actions, tableBox, charts);

  function names() {
    const seen = [];
    for (const t of trials.values()) for (const n of Object.keys(t.config || {})) if (!seen.includes(n)) seen.push(n);
    return seen;
  }

  // Charts are drawn for the width they are shown at (charts.js): a phone turned sideways,
  // or a window resized, gets them drawn again. The listener goes with the view.
  let listening = false, resizeTimer = null;
  const onResize = () => {
    if (!node.isConnected) { window.removeEventListener('resize', onResize); listening = false; return; }
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 150);
  };

  function draw() {
    if (!listening) { window.addEventListener('resize', onResize); listening = true; }
    const list = [...trials.values()].sort((a, b) => a.trial - b.trial);
    const params = names();
    const best = summary && summary.best ? summary.best.trial : (bestOf(list) || {}).trial;
    const front = summary && summary.pareto ? new Set(summary.pareto) : paretoOf(list);
    const numeric = new Set(['score', 'repeats', 'cost (USD)', 'latency (ms)']);
    // The score next to the trial's number: on a phone the table scrolls, and these two
    // are what the eye looks for first.
    const columns = ['trial', 'score', ...params, 'repeats', 'cost (USD)', 'latency (ms)', 'note'];
    thead.replaceChildren(el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: numeric.has(c) ? 'num' : null, text: c }))));
    tbody.replaceChildren(...list.map((t) => {
      const isBest = t.trial === best;
      const cells = [String(t.trial), t.repeats === 0 ? '—' : score(t.score), ...params.map((n) => (n in (t.config || {}) ? valueText(t.config[n]) : '—')), String(t.repeats),
        usd(t.cost_usd) ?? '—', t.latency_ms === null ? '—' : t.latency_ms.toFixed(0), t.note || ''];
      const row = el('tr', { class: isBest ? 'best' : null, 'data-trial': t.trial },
        cells.map((c, i) => el('td', { class: numeric.has(columns[i]) ? 'num' : columns[i] === 'note' ? 'note-cell' : null, text: c })));
      // The mark is words as well as colour.
      if (isBest) row.firstElementChild.append(el('span', { class: 'badge', text: summary ? 'best' : 'best so far' }));
      return row;
    }));
    drawCharts(list, front);
  }

  function drawCharts(list, front) {
    // A chart's "Data as a table" stays open when the chart is redrawn for a new trial.
    const open = new Set([...charts.querySelectorAll('details[open]')].map((d) => d.closest('figure').dataset.chart));
    const figures = [];
    const done = list.filter(ran);
    if (done.length) {
      let top = null;
      const bestSoFar = summary && summary.best_so_far ? summary.best_so_far.map((y, i) => ({ x: i + 1, y })).filter((p) => p.y !== null)
        : list.map((t) => { if (t.repeats > 0) top = Math.max(top ?? t.score, t.score); return { x: t.trial, y: top }; }).filter((p) => p.y !== null);
      figures.push(['convergence', stepChart('Best score by trial', 'score 0–1', [
        { name: 'best so far', points: bestSoFar },
        { name: 'each trial', points: done.map((t) => ({ x: t.trial, y: t.score })), line: false }])]);
      // Score against cost when every trial has one, else against latency.
      const byCost = done.every((t) => t.cost_usd !== null);
      const x = byCost ? (t) => t.cost_usd : (t) => t.latency_ms;
      const points = done.filter((t) => x(t) !== null).map((t) => ({ label: `trial ${t.trial}`, x: x(t), y: t.score,
        group: front.has(t.trial) ? 'Pareto front' : 'other trials', quiet: !front.has(t.trial) }));
      // The front drawn last, on top of the points it may share a place with (and so in the
      // second colour, whatever order the trials came in).
      points.sort((a, b) => (a.group === b.group ? 0 : a.group === 'Pareto front' ? 1 : -1));
      if (points.length) {
        // The front is on score, cost and latency together, so on a chart of two of them a
        // trial on it may look beaten: the title says so.
        figures.push(['pareto', scatterChart(byCost ? 'Score against cost per trial (named: the Pareto front on score, cost and latency)'
          : 'Score against latency per trial (named: the Pareto front on score and latency; the model has no prices)',
          byCost ? 'USD' : 'ms latency', 'score', points, { xDigits: byCost ? 5 : 0, yDigits: 2 })]);
      }
    }
    charts.replaceChildren(...figures.map(([name, figure]) => {
      figure.dataset.chart = name;
      figure.id = `${prefix}-${name}`;
      if (open.has(name)) figure.querySelector('details').open = true;
      return figure;
    }));
  }

  return {
    node,
    title,
    line,
    actions,
    /** The request the run was asked with (its total of trials, its budget for the words). */
    start(asked, heading) { request = asked || {}; title.textContent = heading; },
    add(trial) { trials.set(trial.trial, trial); draw(); },
    addAll(list) { for (const t of list) trials.set(t.trial, t); draw(); },
    progress(p) {
      line.className = 'note';
      line.textContent = progressText(p) + (p.done === p.total && request.confirm !== false ? ' · now confirming the best against the baseline…' : '');
      bar.hidden = false; bar.max = p.total || 1; bar.value = p.done;
    },
    say(text, bad = false) { line.className = bad ? 'bad' : 'note'; line.textContent = text; },
    /** The run's end (or a stored run): the headline, why it stopped, the summary's own
     *  best and front. */
    finish(result, state) {
      summary = result; status = state;
      bar.hidden = true;
      const { text, verdict } = headline(summary, status);
      const comparison = status === 'cancelled' ? null : comparisonText(summary);
      head.className = `tune-headline${verdict ? ` verdict-${verdict}` : ''}`;
      head.replaceChildren(...[el('p', { class: 'headline-text', text }), comparison && el('p', { class: 'note', text: comparison })].filter(Boolean));
      head.hidden = false;
      line.className = 'note';
      line.textContent = stopText(summary, request);
      draw();
    },
    get status() { return status; },
  };
}
