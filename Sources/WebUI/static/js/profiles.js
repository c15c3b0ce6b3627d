// Model profiles where targets are chosen (pages/benchmark.js, pages/evals.js): a model
// with profiles offers "Profile: (none) / name…" under its checkbox while it is ticked; the
// name chosen goes into that target of the request as "profile" (docs/tuning.md). Profiles
// are listed and saved on the Experiments page. A profile's parameters are laid over the
// model's own and the run's defaults (a benchmark's temperature); a request's own `params`
// still win.
import { api } from './api.js';
import { el } from './ui.js';
import { profileConfig } from './experiments/words.js';

/** The user's profiles ([] when they cannot be read: the pickers are then left out). */
export async function loadProfiles() {
  try { return (await api('GET', '/api/profiles')).profiles; } catch { return []; }
}

/** The picker of one target (value "provider/model"), or null when it has no profiles. */
/** `note` follows a chosen profile's configuration (how it meets the page's own fields). */
export function profilePicker(profiles, value, id, note = '') {
  const mine = profiles.filter((p) => `${p.provider}/${p.model}` === value).sort((a, b) => a.name.localeCompare(b.name));
  if (!mine.length) return null;
  const select = el('select', { id, name: 'profile', 'data-target': value, 'aria-describedby': `${id}-about` },
    el('option', { value: '', text: '(none)' }), mine.map((p) => el('option', { value: p.name, text: p.name })));
  const about = el('span', { class: 'note', id: `${id}-about` });
  const describe = () => {
    const p = mine.find((x) => x.name === select.value);
    about.textContent = p ? ` ${profileConfig(p)}${note}` : ' the model as configured';
  };
  select.addEventListener('change', describe);
  describe();
  return el('div', { class: 'profile-pick', 'data-for': value }, el('label', { for: id, class: 'inline', text: 'Profile: ' }), select, about);
}

/** Shows each picker only while its model is ticked. */
export function syncPickers(root) {
  for (const pick of root.querySelectorAll('.profile-pick')) {
    const box = [...root.querySelectorAll('input[name=target]')].find((b) => b.value === pick.dataset.for);
    pick.hidden = !(box && box.checked);
  }
}

/** A target with the profile chosen for it, if any. */
export function withProfile(root, target) {
  const select = [...root.querySelectorAll('select[name=profile]')].find((s) => s.dataset.target === `${target.provider}/${target.model}`);
  return select && select.value && !select.closest('[hidden]') ? { ...target, profile: select.value } : target;
}
