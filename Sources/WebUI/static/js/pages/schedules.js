// Schedules: interval or cron, next fire time, run now, firings.
import { api } from '../api.js';
import { el, field, showError, clearErrors, table, when, toast } from '../ui.js';

export async function render() {
  const root = el('div');
  async function load() {
    const [{ schedules }, { providers }] = await Promise.all([api('GET', '/api/schedules'), api('GET', '/api/providers')]);
    const options = providers.flatMap((p) => p.models.map((m) => [`${p.slug}/${m.model_id}`, `${m.display_name || m.model_id} — ${p.slug}`]));
    const form = el('form', { class: 'card', 'aria-labelledby': 'sched-title' }, el('h2', { id: 'sched-title', text: 'New schedule' }),
      el('div', { class: 'row' }, field('Name', 'name', { required: true }),
        field('Models (hold Ctrl or ⌘ for several)', 'target', { tag: 'select', options, multiple: true, size: Math.min(6, Math.max(2, options.length)) }),
        field('Runs', 'runs', { type: 'number', min: 1, max: 20, value: 3 }),
        field('Max output tokens', 'max_tokens', { type: 'number', min: 1, placeholder: 'default' }),
        field('Every (hours)', 'interval_hours', { type: 'number', min: 1, max: 720, placeholder: 'or use cron' }),
        field('Cron (5 fields)', 'cron', { placeholder: '30 2 * * *' }), field('Time zone', 'time_zone', { value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' })),
      el('p', { class: 'error', 'data-error-for': 'form' }), el('p', { class: 'error', 'data-error-for': 'request' }),
      el('button', { type: 'submit', text: 'Create schedule' }));
    if (form.target.options.length) form.target.options[0].selected = true;
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      const targets = [...form.target.selectedOptions].map((o) => { const [provider, ...rest] = o.value.split('/'); return { provider, model: rest.join('/') }; });
      const body = { name: form.name.value, kind: 'benchmark', time_zone: form.time_zone.value,
        request: { targets, runs: Number(form.runs.value) } };
      if (form.max_tokens.value) body.request.max_tokens = Number(form.max_tokens.value);
      if (form.interval_hours.value) body.interval_hours = Number(form.interval_hours.value);
      if (form.cron.value) body.cron = form.cron.value;
      try { await api('POST', '/api/schedules', body); load(); } catch (err) { showError(form, err); }
    });
    const firings = el('section', { 'aria-live': 'polite' });
    root.replaceChildren(form, el('h2', { text: 'Schedules' }),
      schedules.length ? null : el('p', { class: 'note empty', text: 'No schedules yet: a schedule runs a benchmark on its own, every N hours or on a cron, and keeps each run in History.' }),
      table(['name', 'models', 'when', 'next fire', 'enabled', '', '', '', ''], schedules.map((s) => [s.name,
        ((s.request && s.request.targets) || []).map((t) => t.model).join(', '),
        s.cron ? `${s.cron} (${s.time_zone})` : `every ${s.interval_hours} h`,
        when(s.next_fire_at), s.enabled ? 'yes' : 'no',
        // Pausing keeps the schedule and its firings; it stops firing until resumed.
        el('button', { type: 'button', class: 'secondary', text: s.enabled ? 'Pause' : 'Resume', 'aria-label': `${s.enabled ? 'Pause' : 'Resume'} ${s.name}`, onclick: async () => {
          const body = { name: s.name, kind: s.kind, request: s.request, time_zone: s.time_zone, enabled: !s.enabled };
          if (s.cron) body.cron = s.cron; else body.interval_hours = s.interval_hours;
          try { await api('PUT', `/api/schedules/${s.id}`, body); load(); } catch (err) { toast(err); }
        } }),
        el('button', { type: 'button', class: 'secondary', text: 'Run now', onclick: async () => { try { const r = await api('POST', `/api/schedules/${s.id}/run`); toast(`Job ${r.job_id} started.`); } catch (err) { toast(err); } } }),
        el('button', { type: 'button', class: 'link', text: 'Firings', onclick: async () => {
          const { firings: list } = await api('GET', `/api/schedules/${s.id}/firings`);
          firings.replaceChildren(el('h3', { text: `Firings of ${s.name}` }), table(['fired', 'outcome', 'job', 'run', 'detail'], list.map((f) => [when(f.fired_at), f.outcome, f.job_state || '', f.run_id || '', f.detail || ''])));
        } }),
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => { await api('DELETE', `/api/schedules/${s.id}`); load(); } })]), { stacked: true }),
      firings);
  }
  await load();
  return root;
}
