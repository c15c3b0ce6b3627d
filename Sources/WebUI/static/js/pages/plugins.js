import { api } from '../api.js';
import { el, table, toast } from '../ui.js';
import { session } from '../app.js';

// Plugins: what runs, how (isolated in a sandbox, or in-process), and what was refused.
// Admins switch a plugin's mode, disable it, or release its quarantine here.
export async function render() {
  const { plugins, refused } = await api('GET', '/api/plugins');
  const admin = session.user && session.user.role === 'admin';
  const save = async (id, change) => {
    try {
      await api('PUT', `/api/admin/plugins/${encodeURIComponent(id)}`, change);
      toast(`Saved: ${id}`);
      location.hash = '#/plugins';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) { toast(e); }
  };
  const how = (p) => (p.mode === 'isolated' ? `isolated (${p.sandbox.join(', ') || 'no sandbox'})` : 'in-process');
  const rows = plugins.map((p) => {
    const cells = [p.id, p.version, p.kinds.join(', '), p.language || '', p.origin, how(p),
      p.quarantined ? el('span', { class: 'bad', text: `quarantined: ${p.quarantined}` }) : el('span', { class: 'good', text: 'ok' })];
    if (admin) {
      const actions = el('div', { class: 'row' },
        el('button', { type: 'button', text: p.mode === 'isolated' ? 'Run in-process' : 'Isolate', 'aria-label': `${p.mode === 'isolated' ? 'Run in-process' : 'Isolate'} ${p.id}`,
          onclick: () => save(p.id, { mode: p.mode === 'isolated' ? 'in-process' : 'isolated' }) }),
        el('button', { type: 'button', class: 'danger', text: 'Disable', 'aria-label': `Disable ${p.id}`, onclick: () => {
          // For every user of this studio, until enabled again under "Refused libraries".
          if (confirm(`Disable ${p.id} for everyone? Runs that use it will fail until it is enabled again.`)) save(p.id, { disabled: true });
        } }));
      if (p.quarantined) actions.append(el('button', { type: 'button', text: 'Release', 'aria-label': `Release ${p.id} from quarantine`, onclick: () => save(p.id, { release_quarantine: true }) }));
      cells.push(actions);
    }
    return cells;
  });
  const header = ['id', 'version', 'kinds', 'language', 'origin', 'runs', 'health'].concat(admin ? ['admin'] : []);
  const refusedRows = refused.map((r) => {
    const cells = [r.file, r.code, r.reason];
    if (admin && r.plugin_id) {
      cells.push(el('button', { type: 'button', text: 'Enable', 'aria-label': `Enable ${r.plugin_id}`, onclick: () => save(r.plugin_id, { disabled: false }) }));
    } else if (admin) cells.push('');
    return cells;
  });
  return el('div', {}, el('h2', { text: 'Plugins' }),
    el('p', { class: 'note', text: 'Plugins installed by users run isolated: in a sandboxed process with deadlines, so a crash or a hang fails only its own call. Bundled plugins run in-process.' }),
    table(header, rows, { stacked: true }),
    el('h3', { text: 'Refused libraries' }),
    refusedRows.length ? table(['file', 'why', 'detail'].concat(admin ? [''] : []), refusedRows, { stacked: true }) : el('p', { class: 'note', text: 'None.' }));
}
