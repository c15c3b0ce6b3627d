// Tuning runs in words (pages/tuning.js): what a run will take, how far it has come, why
// it stopped and what it found. The sentences live here, apart from the page, so that the
// live run and a stored one read alike.

const count = (n) => Number(n).toLocaleString('en-US');
const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Dollars as a person reads them: cents, or the first two significant digits of less. */
export function usd(x) {
  if (x === null || x === undefined) return null;
  if (x === 0 || x >= 0.01) return `$${x.toFixed(2)}`;
  return `$${Number(x.toPrecision(2))}`;
}

/** A parameter's value: numbers without float noise (0.35, not 0.35000000000000003),
 *  words as they are (required), prompts quoted and shortened. */
export function valueText(value) {
  if (typeof value === 'number') return String(Number(value.toFixed(4)));
  if (typeof value === 'string' && !/\s/.test(value)) return value;
  if (typeof value === 'string') return `“${value.length > 40 ? `${value.slice(0, 39)}…` : value}”`;
  return JSON.stringify(value);
}

/** "temperature 0.35, top_p 0.8"; an empty configuration is the model's own defaults. */
export function configText(config) {
  const names = Object.keys(config || {});
  return names.length ? names.map((name) => `${name} ${valueText(config[name])}`).join(', ') : 'the model’s defaults';
}

export const score = (x) => (x === null || x === undefined ? '—' : Number(x).toFixed(2));
const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;

/** The estimate in a few sentences: calls at worst and typically, money at worst, what a
 *  trial and the confirmation take, and how far the limits let it go. The money is an upper
 *  bound (each answer priced as if max_tokens long, docs/tuning.md "Budget"), said so. */
export function estimateText(e, trials) {
  const typical = e.calls_typical < e.calls_worst ? ` (about ${count(e.calls_typical)} typically)` : '';
  const money = e.cost_usd_worst === null
    ? '; cost unknown: the model has no prices.'
    : `; at most ${usd(e.cost_usd_worst)}, were every answer as long as max tokens allows (real answers are usually far shorter).`;
  const parts = [`At most ${plural(e.calls_worst, 'call')}${typical}${money}`];
  let trial = `Each trial runs the ${plural(e.cases, 'case')} (${plural(e.calls_per_trial, 'call')})`;
  if (e.calls_per_promotion) trial += `, and ${count(e.calls_per_promotion)} more for a trial among the best third`;
  trial += e.confirmation_calls ? `; confirming the best against the baseline takes ${count(e.confirmation_calls)}.` : '.';
  parts.push(trial);
  if (trials && e.trials_within_max_calls < trials) {
    parts.push(`Your limit of ${plural(e.max_calls, 'call')} leaves room for about ${count(e.trials_within_max_calls)} of the ${count(trials)} trials.`);
  }
  if (e.max_cost_usd !== null && e.cost_usd_worst !== null && e.cost_usd_worst > e.max_cost_usd) {
    parts.push(`Your limit of ${usd(e.max_cost_usd)} may stop it sooner.`);
  }
  return parts.join(' ');
}

/** "Trial 7 of 30 · 210 calls · $0.00": trials done (before the first, the one starting). */
export function progressText(p) {
  const trial = p.done ? `Trial ${count(p.done)} of ${count(p.total)}` : `Trial 1 of ${count(p.total)} starting`;
  return `${trial} · ${plural(p.calls, 'call')} · ${p.cost_usd === null || p.cost_usd === undefined ? 'cost unknown' : usd(p.cost_usd)}`;
}

/** Why a run stopped, and what it spent. */
export function stopText(summary, request = {}) {
  const budget = request.budget || {};
  const limit = [budget.max_calls ? plural(budget.max_calls, 'call') : null, budget.max_cost_usd ? usd(budget.max_cost_usd) : null].filter(Boolean).join(' or ');
  const why = {
    trials: `It ran all ${plural(summary.trials, 'trial')} asked for.`,
    exhausted: `It stopped after ${plural(summary.trials, 'trial')}: every configuration in the search space had been tried.`,
    budget: `It stopped after ${plural(summary.trials, 'trial')}: the next one would not have fitted in the budget${limit ? ` (${limit})` : ''}.`,
    cancelled: `Cancelled after ${plural(summary.trials, 'trial')}.`,
  }[summary.stopped] || `It stopped after ${plural(summary.trials, 'trial')}.`;
  const spent = summary.spent || {};
  const money = spent.cost_usd === null || spent.cost_usd === undefined ? 'cost unknown (the model has no prices)' : usd(spent.cost_usd);
  return `${why} Spent ${plural(spent.calls || 0, 'call')}, ${money}.`;
}

/** The headline: the best configuration and what the fresh, paired comparison with the
 *  baseline says about it (docs/tuning.md, "Honest comparison"). A best trial's own score
 *  is the best of many noisy ones, so without that comparison it is called unconfirmed.
 *  Returns {text, verdict} (verdict: better, worse, none or null when not compared). */
export function headline(summary, status) {
  const best = summary && summary.best;
  if (!best) return { text: 'No trial ran, so there is no best configuration to report.', verdict: null };
  const config = configText(best.config);
  const confirmation = summary.confirmation;
  if (status === 'cancelled' || summary.stopped === 'cancelled') {
    return { text: `Best so far: ${config} — score ${score(best.score)} (trial ${best.trial}), not yet compared with the baseline.`, verdict: null };
  }
  if (confirmation && confirmation.comparison) {
    const c = confirmation.comparison;
    const numbers = `score ${score(confirmation.best.score)} vs baseline ${score(confirmation.baseline.score)} (${signed(c.mean_difference)}, 95 % CI ${signed(c.ci_low)} to ${signed(c.ci_high)})`;
    const said = { better: 'better than the baseline', worse: 'worse than the baseline' }[c.verdict] || 'no significant improvement over the baseline';
    return { text: `Best: ${configText(confirmation.config)} — ${numbers}: ${said}.`, verdict: c.verdict === 'better' || c.verdict === 'worse' ? c.verdict : 'none' };
  }
  const why = confirmation && confirmation.skipped ? `not compared with the baseline: ${confirmation.skipped}` : 'not compared with the baseline on a fresh run, so this score flatters it';
  return { text: `Best: ${config} — score ${score(best.score)} in trial ${best.trial} (${why}).`, verdict: null };
}

/** The line under the headline: how the comparison was made, in a sentence. */
export function comparisonText(summary) {
  const confirmation = summary && summary.confirmation;
  if (!confirmation || !confirmation.comparison) return null;
  const c = confirmation.comparison;
  return `Both ran again on the same ${plural(c.cases, 'case')}, case by case (${c.p_value < 0.001 ? 'p < 0.001' : `p = ${Number(c.p_value).toPrecision(2)}`}); the baseline was ${configText(summary.baseline)}. `
    + 'Only a difference whose 95 % interval leaves out 0 and whose p is below 0.05 counts.';
}

/** A past run's verdict in one or two words, for the list. */
export function verdictWord(summary) {
  const confirmation = summary && summary.confirmation;
  if (!confirmation) return '—';
  if (confirmation.skipped) return 'not confirmed';
  return { better: 'better', worse: 'worse' }[confirmation.comparison.verdict] || 'no significant difference';
}
