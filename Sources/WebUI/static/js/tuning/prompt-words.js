// Prompt tuning runs in words (tuning/prompt-form.js, tuning/report.js): what a run will
// take, where each candidate prompt came from, what went wrong with the writer, and what
// the best prompt did against the baseline prompt.
import { configText, score, stopText, usd } from './words.js';

const count = (n) => Number(n).toLocaleString('en-US');
const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;

/** Whether a run (its request, or a run record) tunes the system prompt. */
export const isPromptRun = (request) => Boolean(request && request.writer);

/** How many prompts a request may try: the library seeds, then every generation's. */
export function promptTrials(request) {
  const seeds = (request.seeds || []).length;
  return request.mode === 'evolutionary' ? seeds + (request.population ?? 6) * (request.generations ?? 3) : seeds + (request.candidates ?? 6);
}

/** The fixed parameters in words: "temperature 0.6, top_p 0.9" (or the model's defaults). */
export const paramsText = (params) => configText(params || {});

/** The estimate of a prompt tuning run: calls at worst (prompts, the writer, the
 *  confirmation), money at worst, and what the limits leave room for. */
export function promptEstimateText(e, trials, writerCalls) {
  const money = e.cost_usd_worst === null || e.cost_usd_worst === undefined
    ? 'cost unknown: the model has no prices.'
    : `at most ${usd(e.cost_usd_worst)} for the model’s calls, were every answer as long as max tokens allows (real answers are usually far shorter).`;
  const parts = [`At most ${plural(e.calls_worst, 'call')}: up to ${plural(trials, 'prompt')} of ${plural(e.calls_per_trial, 'call')} each, `
    + `${plural(writerCalls, 'call')} to the writer${e.confirmation_calls ? `, and ${count(e.confirmation_calls)} to confirm the best prompt against the baseline` : ''}; ${money}`];
  parts.push('The writer’s calls count in the budget too.');
  if (e.trials_within_max_calls < trials) {
    parts.push(`Your limit of ${plural(e.max_calls, 'call')} leaves room for about ${count(e.trials_within_max_calls)} of the ${count(trials)} prompts.`);
  }
  if (e.max_cost_usd !== null && e.max_cost_usd !== undefined && e.cost_usd_worst !== null && e.cost_usd_worst > e.max_cost_usd) {
    parts.push(`Your limit of ${usd(e.max_cost_usd)} may stop it sooner.`);
  }
  return parts.join(' ');
}

/** Why a prompt run stopped, and what it spent. A run may score fewer prompts than it
 *  could: a writer's proposal that repeats a prompt already scored is skipped. */
export function promptStopText(summary, request = {}) {
  const asked = promptTrials(request);
  if (summary.stopped === 'trials' && summary.trials < asked) {
    const spent = summary.spent || {};
    const money = spent.cost_usd === null || spent.cost_usd === undefined ? 'cost unknown (the model has no prices)' : usd(spent.cost_usd);
    return `It scored ${plural(summary.trials, 'prompt')} of the ${count(asked)} it could have: the writer’s other proposals repeated prompts already scored. `
      + `Spent ${plural(spent.calls || 0, 'call')}, ${money}.`;
  }
  return stopText(summary, request).replace(/\btrials?\b/g, (w) => (w === 'trial' ? 'prompt' : 'prompts'));
}

/** A trial's note as its origin: "generation 2 · built on trial 3",
 *  "generation 1 · from your library: one tool", "generation 1 · written fresh". */
export function originText(note) {
  const m = /^generation (\d+), (.*)$/.exec(note || '');
  if (!m) return note || '';
  const from = m[2].replace(/^from trial (\d+)$/, 'built on trial $1').replace(/^from the library: /, 'from your library: ');
  return `generation ${m[1]} · ${from}`;
}

/** The trial a candidate was improved from ("from trial 3" → 3), or null. */
export function parentOf(note) {
  const m = /from trial (\d+)/.exec(note || '');
  return m ? Number(m[1]) : null;
}

/** A writer's failure in words a user acts on, and the server's own words as the detail:
 *  "generation 2: the writer's answer could not be used (malformed: not a JSON object: …)". */
export function writerErrorText(message) {
  const m = /^generation (\d+): the writer's answer could not be used \((\w+): (.*)\)$/s.exec(message || '');
  if (!m) return { text: `The writer model’s answer could not be used: ${message || 'no reason given'}.`, detail: null };
  const [, generation, code, rest] = m;
  const why = code === 'provider'
    ? `the writer model could not be reached or failed (${rest.replace(/:.*$/s, '')})`
    : /no usable prompt/.test(rest) ? 'none of the prompts it wrote could be used (empty, repeated, or longer than 4,000 characters)'
      : /no "prompts" list/.test(rest) ? 'its answer had no list of prompts'
        : 'it did not answer with the JSON list of prompts it was asked for';
  return { text: `Generation ${generation}: the writer’s answer could not be used — ${why}.`, detail: `${code}: ${rest.length > 300 ? `${rest.slice(0, 299)}…` : rest}` };
}

/** What to do after a run failed because of its writer. */
export const writerAdvice = 'Choose a writer model that follows instructions well (any chat model you have; on the simulator, sim-ttft5-gap1-promptwriter), then start again.';

/** The headline of a prompt run: the best prompt's score against the baseline prompt's on
 *  the fresh, paired comparison, with the difference, its 95 % CI and the verdict. Returns
 *  {text, verdict} as words.js headline() does. */
export function promptHeadline(summary, status) {
  const best = summary && summary.best;
  if (!best) return { text: 'No prompt was scored, so there is no best prompt to report.', verdict: null };
  if (status === 'cancelled' || summary.stopped === 'cancelled') {
    return { text: `Best prompt so far: trial ${best.trial}, score ${score(best.score)} — not yet compared with the baseline prompt.`, verdict: null };
  }
  const confirmation = summary.confirmation;
  if (confirmation && confirmation.comparison) {
    const c = confirmation.comparison;
    const said = { better: 'better than the baseline prompt', worse: 'worse than the baseline prompt' }[c.verdict] || 'no significant improvement over the baseline prompt';
    return { text: `Best prompt (trial ${confirmation.trial ?? best.trial}): score ${score(confirmation.best.score)} vs baseline prompt ${score(confirmation.baseline.score)} `
      + `(${signed(c.mean_difference)}, 95 % CI ${signed(c.ci_low)} to ${signed(c.ci_high)}): ${said}.`,
    verdict: c.verdict === 'better' || c.verdict === 'worse' ? c.verdict : 'none' };
  }
  const why = confirmation && confirmation.skipped ? `not compared with the baseline prompt: ${confirmation.skipped}` : 'not compared with the baseline prompt on a fresh run, so this score flatters it';
  return { text: `Best prompt (trial ${best.trial}): score ${score(best.score)} (${why}).`, verdict: null };
}

/** The line under the headline: how the two prompts were compared. */
export function promptComparisonText(summary) {
  const c = summary && summary.confirmation && summary.confirmation.comparison;
  if (!c) return null;
  const params = { ...(summary.baseline || {}) };
  delete params.system_prompt;
  return `Both prompts ran again on the same ${plural(c.cases, 'case')} with ${paramsText(params)}, case by case (${c.p_value < 0.001 ? 'p < 0.001' : `p = ${Number(c.p_value).toPrecision(2)}`}). `
    + 'Only a difference whose 95 % interval leaves out 0 and whose p is below 0.05 counts.';
}

/** Words a prompt has that the one before it had not, and the other way round: the middle
 *  of the two after their common start and end, word by word (a writer mostly adds a
 *  sentence or rewords one). Returns [{text, kind: same | added | removed}]. */
export function wordDiff(before, after) {
  const a = (before || '').split(/(\s+)/), b = (after || '').split(/(\s+)/);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const parts = [];
  const push = (text, kind) => { if (text) parts.push({ text, kind }); };
  push(b.slice(0, start).join(''), 'same');
  const removed = a.slice(start, a.length - end).join(''), added = b.slice(start, b.length - end).join('');
  push(removed, 'removed');
  // A sentence added at the end is marked from its first word, not from the space before it.
  const space = removed ? '' : /^\s*/.exec(added)[0];
  push(space, 'same');
  push(added.slice(space.length), 'added');
  push(b.slice(b.length - end).join(''), 'same');
  return parts;
}
