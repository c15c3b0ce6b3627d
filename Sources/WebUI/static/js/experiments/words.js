// Experiments in words (pages/experiments.js): a delta from the baseline with its interval
// and verdict, a timeline entry's configuration and scores, where a profile came from.
import { configText, score, usd } from '../tuning/words.js';

export { configText, score, usd };

const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}`;

/** "+0.12 (95 % CI +0.05 to +0.19): better". */
export function deltaText(d) {
  return `${signed(d.mean_difference)} (95 % CI ${signed(d.ci_low)} to ${signed(d.ci_high)}): ${d.verdict}`;
}

/** The class that colours a verdict (the words say it too). */
export function verdictClass(verdict) {
  return verdict === 'better' ? 'verdict-better' : verdict === 'worse' ? 'verdict-worse' : 'verdict-none';
}

/** "provider/model" as shown: the model alone unless two targets share it. */
export function modelLabel(target, targets = []) {
  const model = String(target).split('/').slice(1).join('/') || String(target);
  const same = targets.filter((t) => `${t.provider}/${t.model}` !== target && t.model === model);
  return same.length ? String(target) : model;
}

export const targetKey = (t) => `${t.provider}/${t.model}`;

/** A tuning entry's score for its best: the fresh confirmation's when there is one. */
export function tuningScore(entry) {
  const c = entry.confirmation;
  if (c && c.best && c.best.score !== undefined) return c.best.score;
  return entry.best ? entry.best.score : null;
}

/** "Dec 3, 11:02:24 PM": the day and the second (runs of one session are seconds apart). */
export const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' }) : '—');

/** Milliseconds as a person reads them. */
export const ms = (x) => (x === null || x === undefined ? '—' : `${Math.round(x).toLocaleString('en-US')} ms`);

/** A cost, or that the model has no prices. */
export const cost = (x) => (x === null || x === undefined ? 'no prices' : usd(x));

export const sourceText = { manual: 'added by hand', tuning: 'a tuning run’s best', experiment: 'an experiment', eval: 'an eval' };

/** A profile's configuration in words (its parameters and system prompt). */
export function profileConfig(p) {
  const config = { ...(p.params || {}) };
  if (p.system_prompt) config.system_prompt = p.system_prompt;
  return configText(config);
}

/** The one-line explanation of a delta, for a first-time user. */
export const deltaExplained = 'Delta: how much a model’s score (0 to 1) changed from the baseline eval, compared case by case on the same cases. '
  + '95 % CI: the range the true change lies in, with 95 % confidence; only when it leaves out 0 (and p < 0.05) is a change called better or worse.';
