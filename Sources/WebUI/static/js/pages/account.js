// Account: change the password, CLI tokens (created, shown once, revoked), my jobs.
import { api, setToken } from '../api.js';
import { el, field, showError, clearErrors, table, when, toast } from '../ui.js';

const kindName = { benchmark: 'Benchmark', eval: 'Tool eval', judge: 'Judge', loadtest: 'Load test' };

export async function render() {
  const root = el('div');
  // The token just made stays in view while the list refreshes (it is not shown again).
  const shown = el('div', { 'aria-live': 'polite' });
  async function load() {
    const [me, { tokens }, { jobs }] = await Promise.all([api('GET', '/api/auth/me'), api('GET', '/api/auth/cli-tokens'), api('GET', '/api/jobs')]);

    const password = el('form', { class: 'card', 'aria-labelledby': 'password-title' },
      el('h2', { id: 'password-title', text: `Account — ${me.email}` }),
      el('h3', { text: 'Change your password' }),
      el('div', { class: 'row' },
        field('Current password', 'current_password', { type: 'password', autocomplete: 'current-password', required: true }),
        field('New password (at least 8 characters)', 'new_password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
        el('div', {}, el('button', { type: 'submit', text: 'Change password' }))),
      el('p', { class: 'note', text: 'Changing it signs you out everywhere and ends every CLI token.' }),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }));
    password.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(password);
      try {
        await api('POST', '/api/auth/password', { current_password: password.current_password.value, new_password: password.new_password.value });
        setToken(null);
        toast('Password changed. Sign in with the new one.');
        location.hash = '#/login';
      } catch (err) { showError(password, err); }
    });

    const create = el('form', { class: 'card', 'aria-labelledby': 'tokens-title' },
      el('h3', { id: 'tokens-title', text: 'CLI tokens' }),
      el('p', { class: 'note', text: 'For `studio bench --server` and scripts: a token acts as you. It is shown once, when made.' }),
      tokens.length ? table(['name', 'created', 'last used', ''], tokens.map((t) => [t.name, when(new Date(t.created_at).toISOString()),
        t.last_used_at ? when(new Date(t.last_used_at).toISOString()) : 'never',
        el('button', { type: 'button', class: 'danger', text: 'Revoke', 'aria-label': `Revoke the token ${t.name}`, onclick: async () => {
          if (!confirm(`Revoke "${t.name}"? Anything using it stops working.`)) return;
          try { await api('DELETE', `/api/auth/cli-tokens/${t.id}`); toast('Token revoked.'); load(); } catch (err) { toast(err); }
        } })]), { stacked: true }) : el('p', { class: 'note empty', text: 'No CLI tokens yet.' }),
      el('div', { class: 'row' }, field('Name (where it is used)', 'name', { required: true, placeholder: 'laptop' }),
        el('div', {}, el('button', { type: 'submit', text: 'Create token' }))),
      el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }), shown);
    create.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(create);
      try {
        const made = await api('POST', '/api/auth/cli-tokens', { name: create.name.value });
        const value = el('input', { id: 'new-token', readonly: true, value: made.token, 'aria-label': 'The new token', size: 48 });
        shown.replaceChildren(el('p', { class: 'ok', text: `Token "${made.name}" made. Copy it now: it is not shown again.` }),
          el('div', { class: 'row' }, value, el('button', { type: 'button', class: 'secondary', text: 'Copy', onclick: async () => {
            try { await navigator.clipboard.writeText(made.token); toast('Copied.'); } catch { value.select(); toast('Select and copy it (Ctrl+C).'); }
          } })));
        await load();
      } catch (err) { showError(create, err); }
    });

    const mine = el('section', { class: 'card', 'aria-labelledby': 'my-jobs-title' }, el('h3', { id: 'my-jobs-title', text: 'My jobs' }),
      jobs.length ? table(['job', 'state', 'started', 'finished', ''], jobs.slice(0, 50).map((j) => [kindName[j.kind] || j.kind, j.state,
        when(j.started_at || j.created_at), when(j.finished_at),
        j.state === 'running' || j.state === 'queued'
          ? el('button', { type: 'button', class: 'danger', text: 'Cancel', onclick: async () => { try { await api('POST', `/api/jobs/${j.id}/cancel`); load(); } catch (err) { toast(err); } } })
          : (j.error || '')]), { stacked: true }) : el('p', { class: 'note empty', text: 'No jobs yet: a benchmark, eval, judge or load test you start appears here.' }));
    root.replaceChildren(password, create, mine);
  }
  await load();
  return root;
}
