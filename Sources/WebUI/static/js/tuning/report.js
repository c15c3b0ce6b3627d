// A tuning run as the user sees it, live or stored: the headline, the progress line, the
// trial table (best highlighted), the convergence chart and the Pareto chart. The page
// feeds it trials as they arrive and the summary at the end; everything is drawn from
// those, so a run followed live and the same run opened later look the same.
import { scatterChart, stepChart } from '../charts.js';
import { el } from '../ui.js';
import { comparisonText, headline, progressText, score, stopText, usd, valueText } from './words.js';
import { originText, promptComparisonText, promptHeadline, promptStopText, wordDiff, writerErrorText } from './prompt-words.js';

/** A prompt this long or shorter is shown whole in the trial table; a longer one is cut,
 *  with a button to read the rest. */
const SHORT_PROMPT = 90;

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
 *  `heading`: the title's level where the view is placed; `prompts`: a prompt tuning run
 *  (each trial a candidate system prompt, the rest of its configuration fixed). */
export function runView(prefix, heading = 'h3', { prompts = false } = {}) {
  const sub = `h${Math.min(6, Number(heading.slice(1)) + 1)}`;
  const trials = new Map();  // trial number → trial; a trial replayed or preloaded twice is one row
  let summary = null, status = 'running', request = {};
  const title = el(heading, { id: `${prefix}-title`, class: 'run-title', tabindex: -1 });
  const head = el('div', { id: `${prefix}-headline`, class: 'tune-headline', hidden: true });
  const line = el('p', { class: 'note', id: `${prefix}-status`, role: 'status' });
  const bar = el('progress', { id: `${prefix}-progress`, 'aria-label': 'Tuning progress', hidden: true });
  const thead = el('thead');
  const tbody = el('tbody');
  const tableBox = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Trials', hidden: true },
    el('table', { id: `${prefix}-trials`, class: 'trials' }, el('caption', { class: 'note', text: prompts ? 'Every candidate prompt, in order (the best is marked)' : 'Every trial, in order (the best is marked)' }), thead, tbody));
  // One above the other: each is drawn at the page's width, so its text stays legible.
  const charts = el('div', { class: 'tune-charts', id: `${prefix}-charts` });
  const actions = el('div', { class: 'actions' });  // the page's buttons for this run (Cancel, Resume, Close)
  // A prompt run's extras: the writer's failures as they come, then the best prompt beside
  // the baseline prompt, how the best came about, and where it was saved.
  const about = el('p', { id: `${prefix}-about`, class: 'note run-about', hidden: true });
  const writerBox = el('div', { id: `${prefix}-writer-errors`, class: 'writer-errors', 'aria-live': 'polite', hidden: true });
  const writerErrors = [];
  const story = el('div', { id: `${prefix}-story`, class: 'prompt-story', hidden: true });
  const expanded = new Set();  // trials whose whole prompt is shown
  const node = el('div', { class: `tune-run${prompts ? ' prompt-run' : ''}` }, title, about, head, story, line, bar, writerBox, actions, tableBox, charts);

  function names() {
    // A prompt run's other parameters are the same in every trial: said once, not a column each.
    if (prompts) return [];
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
    const columns = prompts ? ['trial', 'score', 'prompt', 'origin', 'repeats', 'cost (USD)', 'latency (ms)']
      : ['trial', 'score', ...params, 'repeats', 'cost (USD)', 'latency (ms)', 'note'];
    thead.replaceChildren(el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: numeric.has(c) ? 'num' : null, text: c }))));
    // A redraw for a new trial must not take the focus from a "Show all" just pressed.
    const focused = document.activeElement && tbody.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    tableBox.hidden = list.length === 0;
    tbody.replaceChildren(...list.map((t) => {
      if (prompts) return promptRow(t, t.trial === best);
      const isBest = t.trial === best;
      const cells = [String(t.trial), t.repeats === 0 ? '—' : score(t.score), ...params.map((n) => (n in (t.config || {}) ? valueText(t.config[n]) : '—')), String(t.repeats),
        usd(t.cost_usd) ?? '—', t.latency_ms === null ? '—' : t.latency_ms.toFixed(0), t.note || ''];
      const row = el('tr', { class: isBest ? 'best' : null, 'data-trial': t.trial },
        cells.map((c, i) => el('td', { class: numeric.has(columns[i]) ? 'num' : columns[i] === 'note' ? 'note-cell' : null, text: c })));
      // The mark is words as well as colour.
      if (isBest) row.firstElementChild.append(el('span', { class: 'badge', text: summary ? 'best' : 'best so far' }));
      return row;
    }));
    if (focused) tbody.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
    if (prompts) drawStory(list);
    drawCharts(list, front);
  }

  /** One candidate: its number (the best marked), score, prompt (cut when long, with a
   *  button to read it all) and where it came from. */
  function promptRow(t, isBest) {
    const text = (t.config && t.config.system_prompt) || '';
    const long = text.length > SHORT_PROMPT;
    const shown = el('span', { class: 'prompt-text', text: long && !expanded.has(t.trial) ? `${text.slice(0, SHORT_PROMPT - 1).trimEnd()}…` : text });
    const more = long ? el('button', { type: 'button', class: 'link more', 'data-focus-key': `more-${t.trial}`, 'aria-expanded': String(expanded.has(t.trial)),
      'aria-label': `${expanded.has(t.trial) ? 'Shorten' : 'Show all of'} the prompt of trial ${t.trial}`, text: expanded.has(t.trial) ? 'Show less' : 'Show all' }) : null;
    if (more) {
      more.addEventListener('click', () => {
        const open = !expanded.has(t.trial);
        if (open) expanded.add(t.trial); else expanded.delete(t.trial);
        shown.textContent = open ? text : `${text.slice(0, SHORT_PROMPT - 1).trimEnd()}…`;
        more.textContent = open ? 'Show less' : 'Show all';
        more.setAttribute('aria-expanded', String(open));
        more.setAttribute('aria-label', `${open ? 'Shorten' : 'Show all of'} the prompt of trial ${t.trial}`);
      });
    }
    const cells = [
      el('td', { text: String(t.trial) }),
      el('td', { class: 'num', text: t.repeats === 0 ? '—' : score(t.score) }),
      el('td', { class: 'prompt-cell' }, shown, more ? ' ' : null, more),
      el('td', { class: 'note-cell', text: (t.note || '').startsWith('generation') ? originText(t.note) : (t.note || '') }),
      el('td', { class: 'num', text: String(t.repeats) }),
      el('td', { class: 'num', text: usd(t.cost_usd) ?? '—' }),
      el('td', { class: 'num', text: t.latency_ms === null ? '—' : t.latency_ms.toFixed(0) }),
    ];
    const row = el('tr', { class: isBest ? 'best' : null, 'data-trial': t.trial }, cells);
    if (isBest) row.firstElementChild.append(el('span', { class: 'badge', text: summary ? 'best' : 'best so far' }));
    return row;
  }

  /** The end of a prompt run: the best prompt beside the baseline prompt, the lineage of
   *  the best (each step's prompt, what changed, its score), and the saved library prompt. */
  function drawStory(list) {
    if (!summary || !summary.best) { story.hidden = true; return; }
    const byTrial = new Map(list.map((t) => [t.trial, t]));
    const bestText = (summary.best.config && summary.best.config.system_prompt) || '';
    const baselineText = (summary.baseline && summary.baseline.system_prompt) || '';
    const confirmation = summary.confirmation && summary.confirmation.comparison ? summary.confirmation : null;
    const box = (name, text, scoreText, id) => el('div', { class: 'prompt-box', id },
      el(sub, { text: name }), scoreText ? el('p', { class: 'note', text: scoreText }) : null,
      el('p', { class: 'prompt-full', text: text || '(no system prompt)' }));
    const pair = el('div', { class: 'prompt-pair' },
      box(`Best prompt (trial ${summary.best.trial})`, bestText,
        confirmation ? `score ${score(confirmation.best.score)} on the confirmation; ${score(summary.best.score)} in its trial` : `score ${score(summary.best.score)} in its trial`, `${prefix}-best-prompt`),
      box('Baseline prompt', baselineText, confirmation ? `score ${score(confirmation.baseline.score)} on the confirmation` : null, `${prefix}-baseline-prompt`));
    // The lineage: from the first ancestor to the best, each with what it changed.
    const steps = (summary.lineage || [summary.best.trial]).map((n) => byTrial.get(n)).filter(Boolean);
    let previous = null;
    const items = steps.map((t, i) => {
      const text = (t.config && t.config.system_prompt) || '';
      const body = el('p', { class: 'prompt-full' });
      for (const part of previous === null ? [{ text, kind: 'same' }] : wordDiff(previous, text)) {
        body.append(part.kind === 'added' ? el('ins', { text: part.text }) : part.kind === 'removed' ? el('del', { text: part.text }) : part.text);
      }
      previous = text;
      return el('li', { 'data-trial': t.trial },
        el('p', { class: 'lineage-head' }, el('strong', { text: `Trial ${t.trial}` }), ` · score ${score(t.score)} · ${originText(t.note)}`,
          i === steps.length - 1 ? el('span', { class: 'badge', text: 'best' }) : null), body);
    });
    const lineage = el('section', { class: 'lineage', id: `${prefix}-lineage`, 'aria-labelledby': `${prefix}-lineage-title` },
      el(sub, { id: `${prefix}-lineage-title`, text: 'How the best prompt came about' }),
      el('p', { class: 'note', text: steps.length > 1
        ? 'Each step is a prompt the writer built on, oldest first. Underlined: words it added; struck through: words it took out.'
        : 'The best prompt was one of the first the writer proposed: no earlier prompt of this run led to it.' }),
      el('ol', {}, items));
    const saved = summary.library_id
      ? el('p', { class: 'saved', id: `${prefix}-saved` }, 'The best prompt was saved to your prompt library. ',
        el('a', { href: `#/prompts?id=${encodeURIComponent(summary.library_id)}`, id: `${prefix}-library-link`, text: 'Open it on the Prompts page' }), '.')
      : null;
    story.replaceChildren(...[pair, saved, lineage].filter(Boolean));
    story.hidden = false;
  }

  /** A writer failure, in words, with the server's words as a quieter detail. */
  function writerError(message) {
    if (!message || writerErrors.includes(message)) return;
    writerErrors.push(message);
    const { text, detail } = writerErrorText(message);
    writerBox.append(el('p', { class: 'bad' }, text, detail ? el('span', { class: 'detail', text: detail }) : null));
    writerBox.hidden = false;
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
    start(asked, heading, aboutText = null) {
      request = asked || {}; title.textContent = heading;
      about.textContent = aboutText || ''; about.hidden = !aboutText;
    },
    add(trial) { trials.set(trial.trial, trial); draw(); },
    addAll(list) { for (const t of list) trials.set(t.trial, t); draw(); },
    progress(p) {
      line.className = 'note';
      line.textContent = progressText(p) + (p.done === p.total && request.confirm !== false ? ' · now confirming the best against the baseline…' : '');
      bar.hidden = false; bar.max = p.total || 1; bar.value = p.done;
    },
    say(text, bad = false) { line.className = bad ? 'bad' : 'note'; line.textContent = text; },
    /** A writer_error event of a prompt run. */
    writerError,
    /** The run's end (or a stored run): the headline, why it stopped, the summary's own
     *  best and front. */
    finish(result, state) {
      summary = result; status = state;
      bar.hidden = true;
      const { text, verdict } = prompts ? promptHeadline(summary, status) : headline(summary, status);
      const comparison = status === 'cancelled' ? null : prompts ? promptComparisonText(summary) : comparisonText(summary);
      if (prompts && summary && summary.writer_problem) writerError(summary.writer_problem);
      head.className = `tune-headline${verdict ? ` verdict-${verdict}` : ''}`;
      head.replaceChildren(...[el('p', { class: 'headline-text', text }), comparison && el('p', { class: 'note', text: comparison })].filter(Boolean));
      head.hidden = false;
      line.className = 'note';
      line.textContent = prompts ? promptStopText(summary, request) : stopText(summary, request);
      draw();
    },
    get status() { return status; },
  };
}
