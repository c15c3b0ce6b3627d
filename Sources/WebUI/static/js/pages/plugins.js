import { api } from '../api.js';
import { el, table } from '../ui.js';

export async function render() {
  const { plugins, load_errors } = await api('GET', '/api/plugins');
  return el('div', {}, el('h2', { text: 'Plugins' }),
    table(['id', 'name', 'version', 'kinds', 'ABI', 'language', 'SHA-256'], plugins.map((p) => [p.id, p.name, p.version, p.kinds.join(', '), p.abi, p.language || '', p.sha256.slice(0, 16)])),
    el('h3', { text: 'Refused libraries' }),
    load_errors.length ? el('ul', {}, load_errors.map((e) => el('li', { text: e }))) : el('p', { class: 'note', text: 'None.' }));
}
