// Running jobs follow the user: a tray in the header, on every page, lists the user's
// running and queued jobs with their progress, a link back to their page and Cancel.
// Pages ask `activeJob(kind)` to re-attach to a job they started before the user left.
import { api, follow, signedIn } from './api.js';
import { el, toast } from './ui.js';

const pageOf = { benchmark: 'benchmark', eval: 'evals', judge: 'judge', loadtest: 'load', tune: 'tuning' };
const nameOf = { benchmark: 'Benchmark', eval: 'Tool eval', judge: 'Judge', loadtest: 'Load test', tune: 'Tuning' };
/** id → { job, done, total, controller } for the jobs being followed. */
const followed = new Map();
let timer = null;

/** The user's running (or else queued) job of a kind, or null. */
export async function activeJob(kind) {
  for (const state of ['running', 'queued']) {
    const { jobs } = await api('GET', `/api/jobs?state=${state}`);
    const job = jobs.find((j) => j.kind === kind);
    if (job) return job;
  }
  return null;
}

/** Resolves with the job once it is marked finished (null if it cannot be read): its last
 *  event goes out just before the mark, so a page re-enables its Run button only after
 *  this. Gives up after `seconds` (4 by default: the usual wait is a few milliseconds). */
export async function settled(jobId, seconds = 4) {
  let job = null;
  for (let i = 0; i < seconds * 10; i++) {
    try { job = await api('GET', `/api/jobs/${jobId}`); if (job.state !== 'running' && job.state !== 'queued') return job; } catch { return null; }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return job;
}

/** Starts watching (after sign-in): the tray refreshes every few seconds and at once when
 *  a page says it submitted a job. */
export function startTray() {
  if (timer) return;
  refreshTray();
  timer = setInterval(refreshTray, 3000);
}

export function stopTray() {
  clearInterval(timer); timer = null;
  for (const entry of followed.values()) entry.controller.abort();
  followed.clear();
  render();
}

export async function refreshTray() {
  if (!signedIn()) return;
  let jobs = [];
  try {
    const [running, queued] = await Promise.all([api('GET', '/api/jobs?state=running'), api('GET', '/api/jobs?state=queued')]);
    jobs = [...running.jobs, ...queued.jobs];
  } catch { return; }
  const ids = new Set(jobs.map((j) => j.id));
  for (const [id, entry] of followed) if (!ids.has(id)) { entry.controller.abort(); followed.delete(id); }
  for (const job of jobs) {
    const entry = followed.get(job.id);
    if (entry) { entry.job = job; continue; }
    const fresh = { job, done: 0, total: null, controller: new AbortController() };
    followed.set(job.id, fresh);
    // Progress from the job's own events (replayed from the start, then live).
    follow(job.id, (name, data) => {
      if (name === 'progress') { fresh.done = data.done; fresh.total = data.total; render(); }
    }, fresh.controller.signal).catch(() => {});
  }
  render();
}

/** Updates the tray in place: a job's line is built once and then only its text and
 *  progress change, so its Cancel button is never replaced under the user's pointer. */
const lines = new Map();
function render() {
  const tray = document.getElementById('jobs');
  if (!tray) return;
  for (const [id, line] of lines) if (!followed.has(id)) { line.node.remove(); lines.delete(id); }
  if (followed.size && !tray.querySelector('.tray-title')) tray.prepend(el('span', { class: 'note tray-title', text: 'Running jobs:' }));
  for (const [id, { job, done, total }] of followed) {
    // An eval run from an experiment's page leads back to that experiment.
    const experiment = job.kind === 'eval' && job.request && job.request.experiment_id;
    const name = experiment ? 'Experiment eval' : nameOf[job.kind] || job.kind;
    let line = lines.get(id);
    if (!line) {
      const link = el('a', { href: experiment ? `#/experiments?id=${encodeURIComponent(experiment)}` : `#/${pageOf[job.kind] || 'history'}` });
      const bar = el('progress', { 'aria-label': `${name} progress`, hidden: true });
      const cancel = el('button', { type: 'button', class: 'danger', text: 'Cancel', 'aria-label': `Cancel the ${name.toLowerCase()} job`,
        onclick: async () => { try { await api('POST', `/api/jobs/${id}/cancel`); toast('Cancelling…'); } catch (e) { toast(e); } refreshTray(); } });
      line = { node: el('div', { class: 'job', 'data-job': id }, link, bar, cancel), link, bar };
      lines.set(id, line);
      tray.append(line.node);
    }
    const label = `${name} ${job.state === 'queued' ? '(queued)' : total ? `${done}/${total}` : '…'}`;
    if (line.link.textContent !== label) { line.link.textContent = label; line.link.setAttribute('aria-label', `${label}: open its page`); }
    if (total) { line.bar.hidden = false; line.bar.max = total; line.bar.value = done; }
  }
  tray.hidden = followed.size === 0;
  keepClearOf(tray);
}

/** The tray floats over the page, so the page keeps a clear strip of its height at the
 *  bottom: the last controls can scroll above it, and a control scrolled into view (by
 *  Tab, or by a click from a script) stops above it rather than under it. */
function keepClearOf(tray) {
  const clear = tray.hidden ? '' : `${tray.offsetHeight + 24}px`;
  document.body.style.paddingBottom = clear;
  document.documentElement.style.scrollPaddingBottom = clear;
}
