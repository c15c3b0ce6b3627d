// Admin: users (role, disabled, limits), audit log with filters, jobs, system status.
import { api } from '../api.js';
import { session } from '../app.js';
import { el, field, showError, clearErrors, table, when, toast } from '../ui.js';

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
    const [{ users }, system, { jobs }, { keys }, { providers }] = await Promise.all([api('GET', '/api/admin/users'), api('GET', '/api/admin/system'),
      api('GET', '/api/admin/jobs'), api('GET', '/api/admin/keys'), api('GET', '/api/providers')]);
    const emailOf = new Map(users.map((u) => [u.id, u.email]));
    const me = session.user && session.user.id;
    const userRows = users.map((u) => {
      const perHour = el('input', { type: 'number', min: 1, value: u.limits.max_jobs_per_hour ?? '', 'aria-label': `jobs per hour for ${u.email}`, size: 4 });
      const concurrent = el('input', { type: 'number', min: 1, value: u.limits.max_concurrent_jobs ?? '', 'aria-label': `concurrent jobs for ${u.email}`, size: 3 });
      const save = async (change) => { try { await api('PUT', `/api/admin/users/${u.id}`, change); load(); } catch (err) { toast(err); } };
      return [u.email, u.role, u.disabled ? 'yes' : 'no', when(u.last_login_at), u.counts.runs, perHour, concurrent,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', text: 'Save limits', onclick: () => save({ max_jobs_per_hour: perHour.value ? Number(perHour.value) : null, max_concurrent_jobs: concurrent.value ? Number(concurrent.value) : null }) }),
          el('button', { type: 'button', class: 'secondary', text: u.role === 'admin' ? 'Make user' : 'Make admin', onclick: () => save({ role: u.role === 'admin' ? 'user' : 'admin' }) }),
          el('button', { type: 'button', class: 'danger', text: u.disabled ? 'Enable' : 'Disable', onclick: () => save({ disabled: !u.disabled }) }),
          u.id === me ? null : el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${u.email}`, onclick: async () => {
            if (!confirm(`Delete ${u.email} and everything they own (providers, keys, runs, evals)? The audit log keeps its entries.`)) return;
            try { await api('DELETE', `/api/admin/users/${u.id}`); toast(`${u.email} deleted.`); load(); } catch (err) { toast(err); }
          } }))];
    });

    // Global fallback keys: used for a provider when its user saved none.
    const keyForm = el('form', { class: 'row' },
      field('Your provider', 'provider_id', { tag: 'select', options: providers.map((p) => [p.slug, `${p.display_name} (${p.slug})`]) }),
      field('API key', 'api_key', { type: 'password', autocomplete: 'new-password', required: true }),
      el('div', {}, el('button', { type: 'submit', text: 'Set global key' })), el('p', { class: 'error', 'data-error-for': 'form' }));
    keyForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(keyForm);
      try { await api('PUT', `/api/admin/keys/${encodeURIComponent(keyForm.provider_id.value)}`, { api_key: keyForm.api_key.value }); toast('Global key saved.'); load(); }
      catch (err) { showError(keyForm, err); }
    });
    const rescan = el('button', { type: 'button', class: 'secondary', text: 'Rescan plugin folders', onclick: async () => {
      rescan.disabled = true;
      try { const answer = await api('POST', '/api/admin/plugins/rescan'); toast(`Plugins loaded: ${(answer.plugins || []).length}.`); load(); } catch (err) { toast(err); }
      rescan.disabled = false;
    } });

    root.replaceChildren(el('h2', { text: 'Admin' }),
      el('p', { class: 'note', text: `studio ${system.version} · ${system.database.dialect} schema v${system.database.schema_version} · ${system.plugins.loaded} plugins · up ${Math.round(system.uptime_s)} s` }),
      el('div', { class: 'row' }, rescan, el('a', { href: '#/plugins', text: 'Plugins: isolate, disable, deadlines' })),
      el('h3', { text: 'Users' }),
      table(['email', 'role', 'disabled', 'last login', 'runs', 'jobs/hour', 'concurrent', 'actions'], userRows, { stacked: true }),
      el('h3', { text: 'Global keys' }),
      el('p', { class: 'note', text: 'A global key serves every user of a provider who has not saved their own. It is bound to your provider of that id (its plugin and base URL).' }),
      keys.length ? table(['provider', 'key', 'bound to', ''], keys.map((k) => [k.provider_id, k.masked, k.bound_to ? `${k.bound_to.plugin} · ${k.bound_to.base_url}` : 'not bound (save again)',
        el('button', { type: 'button', class: 'danger', text: 'Remove', 'aria-label': `Remove the global key of ${k.provider_id}`, onclick: async () => {
          try { await api('DELETE', `/api/admin/keys/${encodeURIComponent(k.provider_id)}`); load(); } catch (err) { toast(err); }
        } })]), { stacked: true }) : el('p', { class: 'note empty', text: 'No global keys.' }),
      keyForm,
      el('h3', { text: 'Jobs' }),
      jobs.length ? table(['created', 'kind', 'state', 'user', ''], jobs.slice(0, 50).map((j) => [when(j.created_at), j.kind, j.state, emailOf.get(j.user_id) || j.user_id,
        ['queued', 'running'].includes(j.state) ? el('button', { type: 'button', class: 'danger', text: 'Cancel', onclick: async () => { try { await api('POST', `/api/admin/jobs/${j.id}/cancel`); load(); } catch (err) { toast(err); } } }) : '']),
        { stacked: true }) : el('p', { class: 'note empty', text: 'No jobs yet.' }),
      audit);
    await loadAudit();
  }
  await load();
  return root;
}
