// Benchmark: pick targets, parameters validated live, run, and watch results arrive.
import { api, follow } from '../api.js';
import { barChart, scatterChart, histogram } from '../charts.js';
import { el, field, showError, clearErrors, table, fmt, tokens, toast } from '../ui.js';

export async function render() {
  const { providers } = await api('GET', '/api/providers');
  const targets = providers.flatMap((p) => p.models.map((m) => ({ provider: p.slug, plugin: p.plugin_id, model: m.model_id, label: m.display_name || m.model_id })));
  const picks = el('fieldset', {}, el('legend', { text: 'Targets' }),
    targets.length ? targets.map((t, i) => el('div', {},
      el('input', { type: 'checkbox', id: `t${i}`, name: 'target', value: `${t.provider}/${t.model}`, checked: i === 0 }),
      el('label', { for: `t${i}`, style: null, text: ` ${t.label} — ${t.provider}`, class: 'inline' })))
      : el('p', { text: 'No models yet: add one under Providers & keys.' }),
    el('p', { class: 'error', 'data-error-for': 'targets' }));
  const form = el('form', { class: 'card', 'aria-labelledby': 'bench-title' },
    el('h2', { id: 'bench-title', text: 'Benchmark' }), picks,
    el('div', { class: 'row' },
      field('Runs per target', 'runs', { type: 'number', min: 1, max: 20, value: 3 }),
      field('Max tokens', 'max_tokens', { type: 'number', min: 1, value: 256 }),
      field('Temperature', 'temperature', { type: 'number', min: 0, step: 0.1, value: 0.7 }),
      field('Context tiers (tokens)', 'context_tiers', { value: '0', pattern: '[0-9, ]+' })),
    el('ul', { class: 'adjustments', 'aria-live': 'polite' }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Run' }), el('button', { type: 'button', class: 'danger', id: 'cancel', disabled: true, text: 'Cancel' })));
  const status = el('p', { class: 'note', 'aria-live': 'polite', id: 'bench-status' });
  const rowsBody = el('tbody');
  const results = el('div', { class: 'table-wrap' }, el('table', { id: 'live-results' },
    el('caption', { class: 'note', text: 'Results as they arrive' }),
    el('thead', {}, el('tr', {}, ['target', 'tier', 'run', 'TTFT ms', 'tok/s', 'ITL ms', 'tokens', 'cost $', 'error'].map((c) => el('th', { scope: 'col', text: c })))),
    rowsBody));
  const charts = el('div', { id: 'live-charts' });

  // Live parameter check against the first selected target's plugin rules.
  const adjustmentList = form.querySelector('.adjustments');
  async function validate() {
    const chosen = [...form.querySelectorAll('input[name=target]:checked')].map((c) => targets.find((t) => `${t.provider}/${t.model}` === c.value));
    adjustmentList.replaceChildren();
    for (const t of chosen) {
      try {
        const check = await api('POST', '/api/params/validate', { plugin_id: t.plugin, model: t.model,
          params: { temperature: Number(form.temperature.value), max_tokens: Number(form.max_tokens.value) } });
        for (const a of check.adjustments) adjustmentList.append(el('li', { text: `${t.model}: ${a.param} ${a.action} ${JSON.stringify(a.original)} → ${JSON.stringify(a.adjusted)} (${a.reason})` }));
      } catch { /* shown on submit */ }
    }
  }
  form.addEventListener('change', validate);
  validate();

  let controller = null;
  const collected = [];
  function redrawCharts() {
    const byTarget = new Map();
    for (const r of collected.filter((r) => r.ok)) {
      const list = byTarget.get(r.target) || [];
      list.push(r); byTarget.set(r.target, list);
    }
    const median = (xs) => { const s = xs.filter((x) => x !== null).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
    const data = [...byTarget.entries()].map(([target, list]) => ({ label: target, ttft: median(list.map((r) => r.ttft_ms)), speed: median(list.map((r) => r.output_speed)) }));
    charts.replaceChildren(
      barChart('Output speed by model (median)', 'tokens/s', data.map((d) => ({ label: d.label, value: d.speed }))),
      barChart('Time to first token by model (median)', 'ms', data.map((d) => ({ label: d.label, value: d.ttft }))),
      scatterChart('Speed against TTFT', 'ms TTFT', 'tokens/s', data.map((d) => ({ label: d.label, x: d.ttft, y: d.speed }))),
      histogram('Inter-token latency of every run', 'ms', collected.filter((r) => r.ok).map((r) => r.itl_ms)));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = [...form.querySelectorAll('input[name=target]:checked')].map((c) => { const [provider, ...rest] = c.value.split('/'); return { provider, model: rest.join('/') }; });
    const body = { targets: chosen, runs: Number(form.runs.value), max_tokens: Number(form.max_tokens.value),
      temperature: Number(form.temperature.value), context_tiers: form.context_tiers.value.split(',').map((s) => Number(s.trim())).filter((n) => !Number.isNaN(n)), warmup: true };
    try {
      const job = await api('POST', '/api/benchmarks', body);
      rowsBody.replaceChildren(); collected.length = 0; charts.replaceChildren();
      status.textContent = `Job ${job.job_id}: running…`;
      const cancel = form.querySelector('#cancel');
      cancel.disabled = false;
      cancel.onclick = async () => { try { await api('POST', `/api/jobs/${job.job_id}/cancel`); } catch (e) { toast(e.message); } };
      controller = new AbortController();
      await follow(job.job_id, (name, data) => {
        if (name === 'result') {
          collected.push(data);
          rowsBody.append(el('tr', {}, [data.target, data.context_tier, data.run, fmt(data.ttft_ms), fmt(data.output_speed), fmt(data.itl_ms, 2), tokens(data), data.cost === null ? '—' : fmt(data.cost, 6), data.error_class || ''].map((c) => el('td', { text: c }))));
          redrawCharts();
        } else if (name === 'progress') {
          status.textContent = `Job ${job.job_id}: ${data.done}/${data.total} runs`;
        } else if (name === 'skipped') {
          status.textContent = `Skipped ${data.target || ''}: ${data.reason}`;
        } else if (name === 'complete' || name === 'cancelled' || name === 'error') {
          status.textContent = name === 'complete' ? `Job ${job.job_id}: done. See History for the run.` : `Job ${job.job_id}: ${name}${data.message ? ` — ${data.message}` : ''}`;
          cancel.disabled = true;
        }
      }, controller.signal);
    } catch (e) { showError(form, e); }
  });
  return el('div', {}, form, status, results, charts);
}
