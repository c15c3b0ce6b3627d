// Admin: users (role, disabled, limits), audit log with filters, jobs, system status.
import { api } from '../api.js';
import { el, field, table, when, toast } from '../ui.js';

export async function render() {
  const root = el('div');
  const audit = el('section', { class: 'card', id: 'audit' });
  async function loadAudit(filters = {}) {
    const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    const { entries } = await api('GET', `/api/admin/audit?${q}`);
    const form = el('form', { class: 'row' }, field('User (id or email)', 'user', { value: filters.user || '' }), field('Action (or prefix.)', 'action', { value: filters.action || '' }),
      field('Since', 'since', { type: 'date', value: filters.since || '' }), el('div', {}, el('button', { type: 'submit', class: 'secondary', text: 'Filter' })));
    form.addEventListener('submit', (e) => { e.preventDefault(); loadAudit({ user: form.user.value, action: form.action.value, since: form.since.value }).catch((err) => toast(err)); });
    audit.replaceChildren(el('h3', { text: 'Audit log' }), form,
      table(['time', 'action', 'who', 'target', 'ip'], entries.map((e) => [when(e.created_at), e.action, e.actor_email || e.user_id || '', e.target || '', e.ip || ''])));
  }
  async function load() {
    const [{ users }, system, { jobs }] = await Promise.all([api('GET', '/api/admin/users'), api('GET', '/api/admin/system'), api('GET', '/api/admin/jobs')]);
    root.replaceChildren(el('h2', { text: 'Admin' }),
      el('p', { class: 'note', text: `studio ${system.version} · ${system.database.dialect} schema v${system.database.schema_version} · ${system.plugins.loaded} plugins · up ${Math.round(system.uptime_s)} s` }),
      el('h3', { text: 'Users' }),
      table(['email', 'role', 'disabled', 'last login', 'runs', 'jobs/hour', 'concurrent', ''], users.map((u) => {
        const perHour = el('input', { type: 'number', min: 1, value: u.limits.max_jobs_per_hour ?? '', 'aria-label': `jobs per hour for ${u.email}`, size: 4 });
        const concurrent = el('input', { type: 'number', min: 1, value: u.limits.max_concurrent_jobs ?? '', 'aria-label': `concurrent jobs for ${u.email}`, size: 3 });
        const save = async (change) => { try { await api('PUT', `/api/admin/users/${u.id}`, change); load(); } catch (err) { toast(err); } };
        return [u.email, u.role, u.disabled ? 'yes' : 'no', when(u.last_login_at), u.counts.runs, perHour, concurrent,
          el('span', {},
            el('button', { type: 'button', class: 'secondary', text: 'Save limits', onclick: () => save({ max_jobs_per_hour: perHour.value ? Number(perHour.value) : null, max_concurrent_jobs: concurrent.value ? Number(concurrent.value) : null }) }),
            el('button', { type: 'button', class: 'secondary', text: u.role === 'admin' ? 'Make user' : 'Make admin', onclick: () => save({ role: u.role === 'admin' ? 'user' : 'admin' }) }),
            el('button', { type: 'button', class: 'danger', text: u.disabled ? 'Enable' : 'Disable', onclick: () => save({ disabled: !u.disabled }) }))];
      })),
      el('h3', { text: 'Jobs' }),
      table(['created', 'kind', 'state', 'user', ''], jobs.slice(0, 50).map((j) => [when(j.created_at), j.kind, j.state, j.user_id,
        ['queued', 'running'].includes(j.state) ? el('button', { type: 'button', class: 'danger', text: 'Cancel', onclick: async () => { await api('POST', `/api/admin/jobs/${j.id}/cancel`); load(); } }) : ''])),
      audit);
    await loadAudit();
  }
  await load();
  return root;
}
