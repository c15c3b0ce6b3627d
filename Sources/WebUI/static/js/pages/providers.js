// Providers, models and keys (masked); parameter rules from the plugins.
import { api } from '../api.js';
import { plain } from '../errors.js';
import { describeSimModel } from '../sim.js';
import { el, field, showError, clearErrors, table, toast } from '../ui.js';

export async function render() {
  const root = el('div');
  async function load() {
    const [{ providers }, { keys }, { plugins }] = await Promise.all([api('GET', '/api/providers'), api('GET', '/api/keys'), api('GET', '/api/plugins')]);
    const providerPlugins = plugins.filter((p) => p.kinds.includes('provider')).map((p) => [p.id, `${p.id} — ${p.name}`]);

    const keyForm = el('form', { class: 'card', 'aria-labelledby': 'keys-title' }, el('h2', { id: 'keys-title', text: 'API keys' }),
      table(['provider', 'key', 'scope', ''], keys.map((k) => [k.provider_id, k.masked, k.global ? 'global (admin)' : 'yours',
        k.global ? '' : el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => { await api('DELETE', `/api/keys/${k.provider_id}`); load(); } })])),
      el('div', { class: 'row' }, field('Provider id', 'provider_id', { list: 'provider-slugs', required: true }),
        field('API key', 'api_key', { type: 'password', autocomplete: 'off', required: true }),
        el('div', {}, el('button', { type: 'submit', text: 'Save key' }))),
      el('datalist', { id: 'provider-slugs' }, providers.map((p) => el('option', { value: p.slug }))),
      el('p', { class: 'error', 'data-error-for': 'form' }), el('p', { class: 'note', text: 'Keys are encrypted at rest and only their last 4 characters are ever shown.' }));
    keyForm.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(keyForm);
      try { await api('PUT', `/api/keys/${encodeURIComponent(keyForm.provider_id.value)}`, { api_key: keyForm.api_key.value }); toast('Key saved.'); load(); }
      catch (err) { showError(keyForm, err); }
    });

    const addProvider = el('form', { class: 'card', 'aria-labelledby': 'add-provider-title' }, el('h3', { id: 'add-provider-title', text: 'Add a provider' }),
      el('div', { class: 'row' }, field('Id', 'slug', { required: true, pattern: '[A-Za-z0-9_\\-]+' }),
        field('Plugin', 'plugin_id', { tag: 'select', options: providerPlugins }),
        field('Base URL', 'base_url', { required: true, placeholder: 'https://api.openai.com/v1' }),
        field('Display name', 'display_name'), field('Key variable (CLI)', 'api_key_env')),
      el('p', { class: 'error', 'data-error-for': 'form' }), el('button', { type: 'submit', text: 'Add provider' }));
    // One step from a preset: the plugin's known providers (Groq, Together, vLLM, Ollama, …).
    const { presets } = await api('GET', '/api/providers/presets');
    const fromPreset = el('form', { class: 'card', 'aria-labelledby': 'preset-title' }, el('h3', { id: 'preset-title', text: 'Add a known provider' }),
      el('div', { class: 'row' },
        field('Provider', 'preset', { tag: 'select', options: presets.map((p) => [p.id, `${p.name}${p.local ? ' — on your machine' : ''} (${p.plugin_id})`]) }),
        el('div', {}, el('button', { type: 'submit', text: 'Add' }))),
      el('p', { class: 'note', text: 'Then save its API key above, and use "Test connection and list models" to pick models.' }),
      el('p', { class: 'error', 'data-error-for': 'form' }));
    fromPreset.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(fromPreset);
      try { await api('POST', '/api/providers/from-preset', { preset: fromPreset.preset.value }); toast('Provider added.'); load(); }
      catch (err) { showError(fromPreset, err); }
    });
    addProvider.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(addProvider);
      const body = { slug: addProvider.slug.value, plugin_id: addProvider.plugin_id.value, base_url: addProvider.base_url.value };
      if (addProvider.display_name.value) body.display_name = addProvider.display_name.value;
      if (addProvider.api_key_env.value) body.api_key_env = addProvider.api_key_env.value;
      try { await api('POST', '/api/providers', body); load(); } catch (err) { showError(addProvider, err); }
    });

    const sections = providers.map((p) => {
      const modelForm = el('form', { class: 'row' }, field('Model id', 'model_id', { required: true }),
        field('Price in ($/M)', 'price_in', { type: 'number', min: 0, step: 'any' }), field('Price out ($/M)', 'price_out', { type: 'number', min: 0, step: 'any' }),
        field('Context window', 'context_window', { type: 'number', min: 1 }),
        el('div', {}, el('button', { type: 'submit', class: 'secondary', text: 'Add model' })), el('p', { class: 'error', 'data-error-for': 'form' }));
      modelForm.addEventListener('submit', async (e) => {
        e.preventDefault(); clearErrors(modelForm);
        const body = { model_id: modelForm.model_id.value };
        for (const k of ['price_in', 'price_out']) if (modelForm[k].value) body[k] = Number(modelForm[k].value);
        if (modelForm.context_window.value) body.context_window = Number(modelForm.context_window.value);
        try { await api('POST', `/api/providers/${p.id}/models`, body); load(); } catch (err) { showError(modelForm, err); }
      });
      // "Test connection and list models": the provider's own list, one click to add a model.
      const discovered = el('div', { class: 'discovered', 'aria-live': 'polite' });
      const discover = el('button', { type: 'button', class: 'secondary', text: 'Test connection and list models', onclick: async () => {
        discover.disabled = true;
        discovered.replaceChildren(el('p', { class: 'note', text: 'Asking the provider…' }));
        try {
          const answer = await api('GET', `/api/providers/${p.id}/available-models`);
          if (!answer.ok) {
            discovered.replaceChildren(el('p', { class: 'error', role: 'alert', text: answer.message }),
              el('p', { class: 'note', text: `${answer.error_class}: ${answer.detail}` }));
          } else {
            discovered.replaceChildren(el('p', { class: 'note', text: `Connected: ${answer.models.length} models offered.` }),
              table(['model', ''], answer.models.map((m) => [m.id, m.added ? 'added'
                : el('button', { type: 'button', class: 'secondary', text: 'Add', 'aria-label': `Add ${m.id}`, onclick: async () => {
                  try { await api('POST', `/api/providers/${p.id}/models`, { model_id: m.id }); load(); } catch (err) { toast(err); }
                } })]), { caption: `Models ${p.slug} offers` }));
          }
        } catch (err) { discovered.replaceChildren(el('p', { class: 'error', role: 'alert', text: plain(err).message })); }
        discover.disabled = false;
      } });
      // Editing in place: one form at a time, under the table, with every field the API keeps.
      const editor = el('div', { class: 'editor' });
      const editModel = (m) => {
        const form = el('form', { class: 'card', 'aria-label': `edit model ${m.model_id}` },
          el('h4', { text: `Edit ${m.model_id}` }),
          el('div', { class: 'row' },
            field('Display name', 'display_name', { value: m.display_name || '' }),
            field('Price in ($/M)', 'price_in', { type: 'number', min: 0, step: 'any', value: m.price_in ?? '' }),
            field('Price out ($/M)', 'price_out', { type: 'number', min: 0, step: 'any', value: m.price_out ?? '' }),
            field('Context window', 'context_window', { type: 'number', min: 1, value: m.context_window ?? '' }),
            field('Max output tokens', 'max_output', { type: 'number', min: 1, value: m.max_output ?? '' }),
            field('Parameters never sent (comma-separated)', 'skip_params', { value: (m.skip_params || []).join(', ') })),
          field('System prompt', 'system_prompt', { tag: 'textarea', rows: 3 }),
          field('Parameters sent with every call to this model (JSON object, over the provider\'s defaults)', 'params', { tag: 'textarea', rows: 2, class: 'code' }),
          el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
          el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Save model' }),
            el('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => editor.replaceChildren() })));
        form.system_prompt.value = m.system_prompt || '';
        form.params.value = JSON.stringify(m.params || {});
        form.addEventListener('submit', async (e) => {
          e.preventDefault(); clearErrors(form);
          const params = jsonObject(form, 'params', 'Parameters');
          if (!params) return;
          const number = (name) => (form[name].value === '' ? null : Number(form[name].value));
          const body = { model_id: m.model_id, display_name: form.display_name.value || null, price_in: number('price_in'), price_out: number('price_out'),
            context_window: number('context_window'), max_output: number('max_output'), system_prompt: form.system_prompt.value || null,
            skip_params: form.skip_params.value.split(',').map((x) => x.trim()).filter(Boolean), params };
          try { await api('PUT', `/api/models/${m.id}`, body); toast(`${m.model_id} saved.`); load(); } catch (err) { showError(form, err); }
        });
        editor.replaceChildren(form);
        form.display_name.focus();
      };
      const editProvider = () => {
        const form = el('form', { class: 'card', 'aria-label': `edit provider ${p.slug}` },
          el('h4', { text: `Edit ${p.slug}` }),
          el('div', { class: 'row' },
            field('Id', 'slug', { value: p.slug, required: true, pattern: '[A-Za-z0-9_\\-]+' }),
            field('Display name', 'display_name', { value: p.display_name }),
            field('Base URL', 'base_url', { value: p.base_url, required: true }),
            field('Key variable (CLI)', 'api_key_env', { value: p.api_key_env || '' })),
          field('Default parameters (JSON)', 'default_params', { tag: 'textarea', rows: 2 }),
          el('p', { class: 'error', 'data-error-for': 'form', role: 'alert' }),
          el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Save provider' }),
            el('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => editor.replaceChildren() })));
        form.default_params.value = JSON.stringify(p.default_params || {});
        form.addEventListener('submit', async (e) => {
          e.preventDefault(); clearErrors(form);
          const params = jsonObject(form, 'default_params', 'Default parameters');
          if (!params) return;
          const body = { slug: form.slug.value, plugin_id: p.plugin_id, base_url: form.base_url.value, display_name: form.display_name.value || form.slug.value,
            default_params: params, api_key_env: form.api_key_env.value || null };
          try { await api('PUT', `/api/providers/${p.id}`, body); toast(`${form.slug.value} saved.`); load(); } catch (err) { showError(form, err); }
        });
        editor.replaceChildren(form);
        form.display_name.focus();
      };
      return el('section', { class: 'card', 'aria-label': `provider ${p.slug}` },
        el('h3', { text: `${p.display_name} (${p.slug})` }), el('p', { class: 'note', text: [p.plugin_id, p.preset && `preset ${p.preset}`, p.base_url].filter(Boolean).join(' · ') }),
        table(['model', 'name', 'context', 'price in', 'price out', ''], p.models.map((m) => [m.model_id,
          describeSimModel(m.model_id) ? el('span', {}, m.display_name || '', el('span', { class: 'note detail', text: describeSimModel(m.model_id) })) : m.display_name,
          m.context_window, m.price_in, m.price_out,
          el('div', { class: 'actions' },
            el('button', { type: 'button', class: 'secondary', text: 'Edit', 'aria-label': `Edit ${m.model_id}`, onclick: () => editModel(m) }),
            el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${m.model_id}`, onclick: async () => { await api('DELETE', `/api/models/${m.id}`); load(); } }))]),
          { stacked: true }),
        editor, modelForm, discover, discovered,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', text: `Edit provider ${p.slug}`, onclick: editProvider }),
          el('button', { type: 'button', class: 'danger', text: `Delete provider ${p.slug}`, onclick: async () => { if (confirm(`Delete ${p.slug} and its models?`)) { await api('DELETE', `/api/providers/${p.id}`); load(); } } })));
    });

    const io = el('section', { class: 'card' }, el('h3', { text: 'Settings' }),
      el('button', { type: 'button', class: 'secondary', text: 'Export settings (JSON)', onclick: async () => {
        const doc = await api('GET', '/api/settings/export');
        const a = el('a', { href: URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' })), download: 'studio-settings.json' });
        document.body.append(a); a.click(); a.remove();
      } }),
      el('label', { for: 'import-file', text: 'Import settings (replaces your providers and models)' }),
      el('input', { type: 'file', id: 'import-file', accept: 'application/json', onchange: async (e) => {
        try { await api('POST', '/api/settings/import', JSON.parse(await e.target.files[0].text())); toast('Settings imported.'); load(); } catch (err) { toast(err); }
      } }));
    root.replaceChildren(keyForm, el('h2', { text: 'Providers and models' }), ...sections, fromPreset, addProvider, io);
  }
  await load();
  return root;
}

/** A textarea's JSON object, or null after saying next to the field what is wrong (in words,
 *  before anything is sent, so nothing stored changes). */
function jsonObject(form, name, what) {
  let value;
  try { value = JSON.parse(form[name].value.trim() || '{}'); } catch { value = undefined; }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const slot = form.querySelector(`[data-error-for="${name}"]`) || form.querySelector('[data-error-for="form"]');
    slot.textContent = `${what} must be a JSON object, e.g. {"top_p": 0.9}.`;
    form[name].setAttribute('aria-invalid', 'true');
    form[name].focus();
    return null;
  }
  return value;
}
