// The dashboard shell: sign-in state, navigation by URL hash, one module per page.
import { api, refresh, setToken, signedIn } from './api.js';
import { el, toast } from './ui.js';
import { startTray, stopTray } from './jobs.js';

const pages = {
  login: () => import('./pages/login.js'),
  benchmark: () => import('./pages/benchmark.js'),
  history: () => import('./pages/history.js'),
  load: () => import('./pages/load.js'),
  evals: () => import('./pages/evals.js'),
  tuning: () => import('./pages/tuning.js'),
  prompts: () => import('./pages/prompts.js'),
  experiments: () => import('./pages/experiments.js'),
  judge: () => import('./pages/judge.js'),
  providers: () => import('./pages/providers.js'),
  schedules: () => import('./pages/schedules.js'),
  plugins: () => import('./pages/plugins.js'),
  account: () => import('./pages/account.js'),
  admin: () => import('./pages/admin.js'),
};

export const session = { user: null };

// Which page change is the latest: pages load at their own pace, and one that finishes
// after a later change must not replace the page the user went to last.
let latest = 0;

async function render() {
  const mine = ++latest;
  const main = document.getElementById('main');
  let name = (location.hash.replace(/^#\/?/, '').split('?')[0]) || 'benchmark';
  if (!signedIn() && name !== 'login') name = 'login';
  if (!pages[name]) name = 'benchmark';
  document.getElementById('nav').hidden = !signedIn();
  // On a phone the menu folds away behind one button; each page change folds it again.
  const menu = document.getElementById('menu');
  menu.hidden = !signedIn();
  menu.setAttribute('aria-expanded', 'false');
  document.getElementById('nav').classList.remove('open');
  if (signedIn()) startTray(); else stopTray();
  document.getElementById('nav-admin').hidden = !(session.user && session.user.role === 'admin');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren(el('p', { class: 'note', text: 'Loading…' }));
  try {
    const module = await pages[name]();
    const page = await module.render();
    if (mine !== latest) return;
    main.replaceChildren(page);
    main.focus();
  } catch (e) {
    if (mine !== latest) return;
    main.replaceChildren(el('p', { class: 'bad', role: 'alert', text: `This page failed: ${e.message}` }));
  }
}

export async function signIn(token) {
  setToken(token);
  session.user = await api('GET', '/api/auth/me');
  location.hash = '#/benchmark';
  await render();
}

async function start() {
  document.getElementById('signout').addEventListener('click', async () => {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
    setToken(null); session.user = null; stopTray(); location.hash = '#/login';
  });
  window.addEventListener('hashchange', render);
  document.getElementById('menu').addEventListener('click', (e) => {
    const open = document.getElementById('nav').classList.toggle('open');
    e.currentTarget.setAttribute('aria-expanded', String(open));
  });
  // A reload keeps the session through the refresh cookie.
  if (await refresh()) {
    try { session.user = await api('GET', '/api/auth/me'); } catch (e) { toast(e); }
  }
  await render();
}

start();
