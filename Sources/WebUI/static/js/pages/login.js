import { api } from '../api.js';
import { signIn } from '../app.js';
import { el, field, showError, clearErrors } from '../ui.js';

export async function render() {
  const form = el('form', { class: 'card', 'aria-labelledby': 'login-title' },
    el('h2', { id: 'login-title', text: 'Sign in' }),
    field('Email', 'email', { type: 'email', autocomplete: 'username', required: true }),
    field('Password', 'password', { type: 'password', autocomplete: 'current-password', required: true, minlength: 8 }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'row' },
      el('button', { type: 'submit', name: 'action', value: 'login', text: 'Sign in' }),
      el('button', { type: 'submit', class: 'secondary', name: 'action', value: 'register', text: 'Create an account' })),
    el('p', { class: 'note', text: 'The first account becomes the admin. Passwords: at least 8 characters.' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const action = event.submitter && event.submitter.value === 'register' ? 'register' : 'login';
    try {
      const session = await api('POST', `/api/auth/${action}`, { email: form.email.value, password: form.password.value });
      await signIn(session.access_token);
    } catch (e) { showError(form, e); }
  });
  return el('div', {}, form);
}
