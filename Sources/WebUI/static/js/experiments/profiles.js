// Model profiles on the Experiments page (pages/experiments.js): every profile of the
// user's, one table per model, each with Delete; a form to add one by hand; and the small
// form that saves a configuration from an experiment (its best, its baseline, one run of
// its timeline) as a profile.
import { api } from '../api.js';
import { el, table, toast } from '../ui.js';
import { clearOnInput, clearRefusals, configEditor, control, refuse, showRefusal } from './form.js';
import { configText, profileConfig, sourceText, when } from './words.js';

/** A duplicate name (409), in words next to the name. */
const words = { duplicate_profile: 'This model already has a profile with this name: choose another name (or delete the old one below).' };

/** The section: `models` are the user's models [{value, provider, model, label}]. */
export function profilesSection(models) {
  const list = el('div', { id: 'profiles-list' });
  const editor = configEditor('config', { legend: 'Configuration', note: 'Empty fields are not part of the profile: the model keeps its own setting.',
    promptHint: 'Empty: the model’s own system prompt (in an eval, the suite’s).' });
  const modelSelect = el('select', { id: 'profile-model', name: 'model', 'aria-describedby': 'profile-model-error' },
    models.map((m) => el('option', { value: m.value, text: m.label })));
  const form = el('form', { class: 'card', id: 'profile-form', 'aria-labelledby': 'profile-form-title', novalidate: true },
    el('h3', { id: 'profile-form-title', text: 'Add a profile by hand' }),
    el('div', { class: 'row' },
      el('div', { class: 'wide-field' }, el('label', { for: 'profile-model', text: 'Model' }), modelSelect, el('p', { class: 'error', id: 'profile-model-error', 'data-error-for': 'model' })),
      control('Profile name', 'name', { required: true, maxlength: 100, autocomplete: 'off', placeholder: 'e.g. precise' })),
    editor.node,
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', text: 'Save profile', disabled: models.length === 0 || null })));
  clearOnInput(form);
  const saved = el('p', { class: 'ok', id: 'profile-saved', role: 'status' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusals(form); saved.textContent = '';
    const model = models.find((m) => m.value === modelSelect.value);
    try {
      const name = form.elements.namedItem('name').value.trim();
      if (!name) throw refuse('name', 'give the profile a name.');
      const profile = await api('POST', '/api/profiles', { provider: model.provider, model: model.model, name, config: editor.flat() });
      // Ready for the next profile of the same model.
      for (const c of form.querySelectorAll('input:not([type=checkbox]), textarea')) c.value = '';
      await load();
      saved.textContent = `Saved profile “${profile.name}” of ${profile.model}: pick it beside the model on the Benchmark or Tool eval page.`;
    } catch (err) { showRefusal(form, err, { words }); }
  });

  async function load() {
    let profiles = [];
    try { ({ profiles } = await api('GET', '/api/profiles')); } catch (err) { toast(err); }
    const byModel = new Map();
    for (const p of profiles) {
      const key = `${p.provider}/${p.model}`;
      byModel.set(key, [...(byModel.get(key) || []), p]);
    }
    list.replaceChildren(...(profiles.length ? [...byModel.keys()].sort().map((key) => {
      const rows = byModel.get(key).sort((a, b) => a.name.localeCompare(b.name));
      return table(['profile', 'configuration', 'from', 'saved', 'actions'], rows.map((p) => [p.name, profileConfig(p), sourceText[p.source] || p.source, when(p.created_at),
        el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete profile ${p.name} of ${p.model}`, onclick: async () => {
          if (!confirm(`Delete profile “${p.name}” of ${p.model}? Benchmarks and evals that name it will be refused until you save one of that name again.`)) return;
          try { await api('DELETE', `/api/profiles/${p.id}`); toast(`Deleted profile ${p.name}.`); await load(); } catch (err) { toast(err); }
        } })]), { caption: `Profiles of ${key}`, stacked: true });
    }) : [el('p', { class: 'empty', id: 'no-profiles', text: 'No profiles yet. Save one from an experiment (“Save as profile” on its best, its baseline or a run of its timeline), or add one by hand below.' })]));
  }

  const node = el('section', { class: 'card', id: 'profiles', 'aria-labelledby': 'profiles-title' },
    el('h2', { id: 'profiles-title', text: 'Model profiles' }),
    el('p', { class: 'note', text: 'A profile is a named configuration of one model: its parameters and system prompt. Pick it beside the model on the Benchmark or Tool eval page, and the run uses it.' }),
    list, saved, form);
  return { node, load };
}

/** The form that saves a configuration as a profile, placed where it was asked for.
 *  `what` says what is saved ("the best configuration"), `config` is it (to show in words),
 *  `choices` are the models it may be saved for [{provider, model, label}] (the first
 *  chosen), `from` is the API's from object. Calls `done(profile)` once saved. */
export function saveProfileForm({ what, config, choices, from, suggestion, done, close }) {
  const id = 'save-profile';
  const modelSelect = el('select', { id: `${id}-model`, name: 'model', 'aria-describedby': `${id}-model-error` },
    choices.map((c, i) => el('option', { value: String(i), text: c.label })));
  const form = el('form', { class: 'card save-profile', id, 'aria-labelledby': `${id}-title`, novalidate: true },
    el('h3', { id: `${id}-title`, text: `Save ${what} as a profile` }),
    el('p', { class: 'note', text: `Configuration: ${configText(config)}.` }),
    el('div', { class: 'row' },
      choices.length > 1
        ? el('div', { class: 'wide-field' }, el('label', { for: `${id}-model`, text: 'For the model' }), modelSelect, el('p', { class: 'error', id: `${id}-model-error`, 'data-error-for': 'model' }))
        : el('p', { class: 'note', text: `For ${choices[0].label}.` }),
      control('Profile name', 'name', { required: true, maxlength: 100, autocomplete: 'off', value: suggestion || '' })),
    el('p', { class: 'error', 'data-error-for': 'config' }),
    el('p', { class: 'error', 'data-error-for': 'from', role: 'alert' }),
    el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', text: 'Save profile' }),
      el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: close })));
  clearOnInput(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusals(form);
    const choice = choices[choices.length > 1 ? Number(modelSelect.value) : 0];
    const name = form.elements.namedItem('name').value.trim();
    try {
      if (!name) throw refuse('name', 'give the profile a name.');
      const profile = await api('POST', '/api/profiles', { provider: choice.provider, model: choice.model, name, from });
      done(profile);
    } catch (err) { showRefusal(form, err, { words }); }
  });
  return form;
}
