import { api } from '../api.js';
import { signIn } from '../app.js';
import { el, field, showError, clearErrors } from '../ui.js';

// Who may register decides what the form offers: open (anyone), invite (with the code the
// admin gave you) or closed (sign in only).
export async function render() {
  let mode = 'open';
  try { mode = (await api('GET', '/api/auth/registration')).mode || 'open'; } catch (e) { /* offer both; the server decides */ }
  const notes = {
    open: 'The first account becomes the admin. Passwords: at least 8 characters, not a common one.',
    invite: 'New accounts need the invitation code your admin sent you. Passwords: at least 8 characters, not a common one.',
    closed: 'New accounts are created by the admin of this studio.',
  };
  const form = el('form', { class: 'card', 'aria-labelledby': 'login-title' },
    el('h2', { id: 'login-title', text: 'Sign in' }),
    field('Email', 'email', { type: 'email', autocomplete: 'username', required: true }),
    field('Password', 'password', { type: 'password', autocomplete: 'current-password', required: true, minlength: 8 }),
    mode === 'invite' ? field('Invitation code (new accounts only)', 'invite', { autocomplete: 'off' }) : null,
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'row' },
      el('button', { type: 'submit', name: 'action', value: 'login', text: 'Sign in' }),
      mode === 'closed' ? null
        : el('button', { type: 'submit', class: 'secondary', name: 'action', value: 'register', text: 'Create an account' })),
    el('p', { class: 'note', text: notes[mode] || notes.open }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const action = event.submitter && event.submitter.value === 'register' ? 'register' : 'login';
    try {
      const body = { email: form.email.value, password: form.password.value };
      if (action === 'register' && form.invite && form.invite.value.trim()) body.invite = form.invite.value.trim();
      const session = await api('POST', `/api/auth/${action}`, body);
      await signIn(session.access_token);
    } catch (e) { showError(form, e); }
  });
  return el('div', {}, form);
}
