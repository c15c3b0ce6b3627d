// Load test: one model under closed-loop concurrency or open-loop arrival rates, a
// sweep across levels, each level's report arriving live (SSE), stored with the runs.
import { api, follow } from '../api.js';
import { activeJob, refreshTray, settled } from '../jobs.js';
import { barChart } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, toast } from '../ui.js';

/** Level reports as a table and charts (also used by History for load runs). */
export function levelsView(levels) {
  const p = (h, k) => fmt(h && h[k], 2);
  return el('div', {},
    table(['level', 'ok / requests', 'req/s', 'concurrency', 'output tok/s', 'TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99', 'ITL/request p50',
      'E2E p99', 'dispatch lag p99', 'goodput req/s', 'errors'],
    levels.map((l) => [`${l.level}${l.client_limited ? ' (client-limited)' : ''}`, `${l.ok} / ${l.requests}`, fmt(l.achieved_rate, 2),
      fmt(l.achieved_concurrency, 1), fmt(l.output_tokens_per_s, 0), p(l.ttft_ms, 'p50'), p(l.ttft_ms, 'p99'), p(l.itl_ms_per_read, 'p50'),
      p(l.itl_ms_per_read, 'p99'), p(l.itl_ms_per_request, 'p50'), p(l.e2e_ms, 'p99'), fmt(l.dispatch_lag_ms && l.dispatch_lag_ms.p99, 3),
      l.goodput ? fmt(l.goodput.requests_per_s, 2) : '—', Object.entries(l.errors || {}).map(([k, v]) => `${k}×${v}`).join(' ') || '—']),
    { caption: 'Per level (milliseconds; ITL per read unless stated; dispatch lag is this client\'s own)' }),
    levels.flatMap((l) => Object.entries(l.error_examples || {}).map(([k, m]) => el('p', { class: 'note', text: `${l.level}: ${k}, e.g. ${m}` }))),
    levels.length ? barChart('Output tokens/s by level', 'tokens/s', levels.map((l) => ({ label: l.level, value: l.output_tokens_per_s || 0 }))) : null,
    levels.length ? barChart('TTFT p99 by level', 'ms', levels.map((l) => ({ label: l.level, value: (l.ttft_ms && l.ttft_ms.p99) || 0 }))) : null);
}

const numbers = (text) => text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);

export async function render() {
  const { providers } = await api('GET', '/api/providers');
  const models = providers.flatMap((p) => p.models.map((m) => [`${p.slug}/${m.model_id}`, `${m.display_name || m.model_id} — ${p.slug}`]));
  const live = el('section', { id: 'load-live', 'aria-live': 'polite' });
  const form = el('form', { class: 'card', 'aria-labelledby': 'load-title' }, el('h2', { id: 'load-title', text: 'Load test' }),
    el('div', { class: 'row' }, field('Model', 'model', { tag: 'select', options: models }),
      field('Mode', 'mode', { tag: 'select', options: [['concurrency', 'concurrency (closed loop)'], ['rate', 'arrival rate (open loop)']] }),
      field('Levels (comma separated)', 'levels', { value: '1,4,16', required: true }),
      el('div', {}, el('input', { type: 'checkbox', id: 'load-poisson', name: 'poisson' }), el('label', { for: 'load-poisson', class: 'inline', text: ' Poisson arrivals' }))),
    el('div', { class: 'row' }, field('Requests per level', 'requests', { type: 'number', min: 1, value: 50 }),
      field('or seconds per level', 'duration_s', { type: 'number', min: 0, step: 'any' }),
      field('Warm-up requests (default: one per stream)', 'warmup', { type: 'number', min: 0 }),
      field('Max tokens', 'max_tokens', { type: 'number', min: 1, value: 64 })),
    el('div', { class: 'row' }, field('SLO: TTFT ≤ ms', 'ttft_ms', { type: 'number', min: 0, step: 'any', value: 500 }),
      field('SLO: ITL ≤ ms', 'itl_ms', { type: 'number', min: 0, step: 'any', value: 50 })),
    el('p', { class: 'error', 'data-error-for': 'concurrency' }), el('p', { class: 'error', 'data-error-for': 'rate' }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }), el('button', { type: 'submit', text: 'Start load test' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(form);
    const [provider, ...rest] = form.model.value.split('/');
    const body = { provider, model: rest.join('/'), max_tokens: Number(form.max_tokens.value), [form.mode.value]: numbers(form.levels.value) };
    if (form.poisson.checked) body.poisson = true;
    if (form.duration_s.value) body.duration_s = Number(form.duration_s.value); else body.requests = Number(form.requests.value);
    if (form.warmup.value) body.warmup = Number(form.warmup.value);
    const slo = {};
    if (form.ttft_ms.value) slo.ttft_ms = Number(form.ttft_ms.value);
    if (form.itl_ms.value) slo.itl_ms = Number(form.itl_ms.value);
    if (Object.keys(slo).length) body.slo = slo;
    let job;
    try { job = await api('POST', '/api/loadtests', body); } catch (err) { showError(form, err); return; }
    refreshTray();
    await attach(job.job_id);
  });

  const start = form.querySelector('button[type=submit]');
  if (!models.length) {
    start.disabled = true;
    form.prepend(el('p', { class: 'note empty' }, 'No models yet: add one under ', el('a', { href: '#/providers', text: 'Providers & keys' }),
      ' (the built-in simulator\'s “sim-…” models need no key), then load-test it here.'));
  }
  /** Follows a load test from its first event: a new one, or one still running on return. */
  async function attach(jobId) {
    start.disabled = true;
    const status = el('p', { class: 'note', id: 'load-status', text: 'Starting…' });
    const cancel = el('button', { type: 'button', class: 'danger', id: 'load-cancel', text: 'Cancel load test', onclick: async () => {
      // Said before asking: the job's "cancelled" event can beat this request's answer.
      const before = status.textContent; status.textContent = 'Cancelling…';
      try { await api('POST', `/api/jobs/${jobId}/cancel`); } catch (err) { if (status.textContent === 'Cancelling…') status.textContent = before; toast(err); }
    } });
    const levels = [];
    const view = el('div', { id: 'load-levels' });
    live.replaceChildren(status, cancel, view);
    let ended = false;
    const ending = (name, data) => {
      if (name === 'complete') status.textContent = 'Load test complete. It is kept in History.';
      else if (name === 'cancelled') status.textContent = 'Cancelled. The levels finished so far are kept in History.';
      else if (name === 'error') { status.className = 'bad'; status.textContent = `The load test failed: ${data.message}`; }
      else return;
      ended = true;
    };
    try {
      await follow(jobId, (name, data) => {
        if (name === 'progress') status.textContent = `Running: ${data.level} — ${data.done}${data.total ? ` of ${data.total}` : ''} requests`;
        else if (name === 'result') { levels.push(data); view.replaceChildren(levelsView(levels)); }
        else ending(name, data);
      }, new AbortController().signal);
      // The stream ended without the job's last event: follow once more for its ending only.
      if (!ended) await follow(jobId, ending, new AbortController().signal);
    } catch (err) { toast(err); }
    if (!ended) console.info(`load test ${jobId}: its event stream ended before the job did; waiting for the job's record`);
    // Start comes back once the job is marked finished (a cancelled level may take a few
    // seconds to wind down its requests in flight); its record has the last word.
    const job = await settled(jobId, ended ? 4 : 120);
    cancel.remove();
    if (!ended && job) ending(job.state === 'done' ? 'complete' : job.state === 'failed' ? 'error' : job.state, { message: job.error || 'see the server log' });
    start.disabled = !models.length;
    refreshTray();
  }
  const running = await activeJob('loadtest').catch(() => null);
  if (running) attach(running.id);
  return el('div', {}, form, live);
}
