import { errorText, h, hexColor, integrationTypeOf, textOn } from './dom.js';

/** The portal's card for one integration, drawn from the SDK's state. */
export function renderPortal(state, actions) {
  const { modal, context } = state;
  const integration = modal.integration;
  const config = modal.config ?? integration.configs?.[0]?.values ?? {};
  const brand = hexColor(integration.brandColor) ?? '#4b5563';
  const accent = hexColor(config.accentColor) ?? brand;
  const name = integration.customIntegration?.name ?? integration.name ?? integrationTypeOf(integration);
  const integrationState = context.user.integrations?.[integrationTypeOf(integration)] ?? {};
  const allowMultiple = Boolean(modal.apiInstallationOptions?.allowMultipleCredentials);
  const all = integrationState.allCredentials ?? [];
  const selected = modal.selectedCredentialId ?? integrationState.credentialId;
  const shown = allowMultiple ? all : all.filter((c) => c.id === selected).concat(all.some((c) => c.id === selected) ? [] : all.slice(0, 1));
  const ctx = { state, actions, integration, config, name };

  const card = h('section', {
    id: 'portal-dialog', class: 'card', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'portal-title', tabindex: '-1',
    style: { '--accent': accent, '--on-accent': textOn(accent), '--brand': brand },
  },
  h('header', { class: 'head' },
    h('span', { class: 'icon', 'aria-hidden': 'true', style: { background: brand, color: textOn(brand) } }, name.trim().charAt(0).toUpperCase()),
    h('div', { class: 'titles' },
      h('h1', { id: 'portal-title' }, typeof config.title === 'string' && config.title ? config.title : name),
      typeof config.description === 'string' && config.description ? h('p', { class: 'muted' }, config.description) : null),
    h('button', { type: 'button', class: 'close', id: 'portal-close', 'aria-label': 'Close', onclick: () => actions.close() }, '×')),
  connectionErrorOf(modal),
  note(state, 'portal'),
  state.waiting ? h('p', { class: 'note info', role: 'status' }, `Finish signing in to ${name} in the window that opened.`) : null,
  shown.length === 0 ? connectSection(ctx, 'connect') : shown.map((credential) => account(ctx, credential)),
  shown.length > 0 && allowMultiple ? anotherAccount(ctx) : null);

  return h('div', { class: 'backdrop', onclick: (event) => { if (event.target === event.currentTarget) actions.close(); } }, card);
}

function connectionErrorOf(modal) {
  const error = modal.connectionError;
  if (!error) return null;
  const text = errorText(error.errorResponse ?? error, 'The account could not be connected. Try again.');
  return h('p', { class: 'note error', role: 'alert' }, `The account could not be connected: ${text}`);
}

function note(state, key) {
  const n = state.notes[key];
  return n ? h('p', { class: `note ${n.kind}`, role: n.kind === 'error' ? 'alert' : 'status' }, n.text) : null;
}

/** The inputs asked before connecting: an API-key form, or a built-in's pre-OAuth inputs (shop, subdomain). */
function connectInputsOf(integration) {
  if (integration.authenticationType === 'basic') return integration.customIntegration?.inputFields?.length ? integration.customIntegration.inputFields : integration.sdkIntegrationConfig?.authConfigInputs ?? [];
  return integration.needPreOauthInputs ? integration.sdkIntegrationConfig?.authConfigInputs ?? [] : [];
}

function connectSection(ctx, key, credentialId) {
  const { state, actions, integration, name } = ctx;
  const inputs = connectInputsOf(integration);
  const busy = state.busy.has(key);
  const label = credentialId ? 'Reconnect' : 'Connect';
  if (inputs.length === 0) {
    return h('div', { class: 'connect' },
      credentialId ? null : h('p', { class: 'muted' }, `Connect your ${name} account to get started.`),
      h('button', { type: 'button', class: 'primary', id: `${key}-button`, disabled: busy, onclick: () => actions.connectOAuth(key, { credentialId }) }, busy ? 'Opening…' : label),
      note(state, key));
  }
  const oauth = integration.authenticationType !== 'basic';
  return inputForm(ctx, {
    key, inputs, values: {}, submit: busy ? 'Connecting…' : label,
    intro: credentialId ? null : oauth ? `Tell us about your ${name} account, then sign in.` : `Enter your ${name} credentials to connect.`,
    onsubmit: (values) => (oauth ? actions.connectOAuth(key, { credentialId, preOAuthValues: values }) : actions.connectWithInputs(key, values, { credentialId })),
  });
}

function identityOf(credential) {
  const data = credential.providerData ?? {};
  for (const field of ['email', 'accountEmail', 'userEmail', 'name', 'username', 'accountName']) {
    if (typeof data[field] === 'string' && data[field]) return data[field];
  }
  return credential.providerId || null;
}

function account(ctx, credential) {
  const { state, actions, name } = ctx;
  const who = identityOf(credential);
  const key = `account-${credential.id}`;
  const status = credential.status;
  return h('article', { class: `account ${status.toLowerCase()}`, 'aria-label': who ? `${name} account ${who}` : `${name} account` },
    h('div', { class: 'account-row' },
      h('div', {},
        h('p', { class: 'who' }, who ? ['Connected as ', h('strong', {}, who)] : `Connected to ${name}`),
        h('p', { class: `badge ${status.toLowerCase()}` }, status === 'VALID' ? 'Connected' : status === 'INVALID' ? 'Needs attention' : 'Setup not finished')),
      h('button', { type: 'button', class: 'secondary', id: `${key}-disconnect`, disabled: state.busy.has(`${key}-disconnect`), onclick: () => actions.disconnect(`${key}-disconnect`, credential.id) },
        state.busy.has(`${key}-disconnect`) ? 'Disconnecting…' : 'Disconnect')),
    note(state, `${key}-disconnect`),
    status === 'INVALID'
      ? h('div', { class: 'warning', role: 'alert' },
        h('p', {}, h('strong', {}, `We can't reach your ${name} account.`), ` Access may have been revoked or expired. Reconnect it to keep your settings and workflows running.`),
        connectSection(ctx, `${key}-reconnect`, credential.id))
      : null,
    status === 'PENDING' ? pendingSetup(ctx, credential) : null,
    status === 'VALID' ? [userSettings(ctx, credential), workflows(ctx, credential)] : null);
}

function pendingSetup(ctx, credential) {
  const { actions, integration } = ctx;
  const inputs = integration.sdkIntegrationConfig?.postOauthInputs ?? [];
  if (inputs.length === 0) return h('p', { class: 'muted' }, 'This account is still being set up.');
  const key = `setup-${credential.id}`;
  return inputForm(ctx, { key, inputs, values: {}, submit: 'Finish setup', intro: 'A few more details finish the connection.', onsubmit: (values) => actions.completeSetup(key, credential.id, values) });
}

function defaultConfigOf(credential) {
  return credential.configurations?.find((c) => c.isDefault) ?? credential.configurations?.[0] ?? { sharedSettings: {}, workflowSettings: {} };
}

function userSettings(ctx, credential) {
  const inputs = ctx.config.sharedMeta?.inputs ?? [];
  if (inputs.length === 0) return null;
  const key = `settings-${credential.id}`;
  return h('section', { class: 'block', 'aria-labelledby': `${key}-title` },
    h('h2', { id: `${key}-title` }, 'Settings'),
    inputForm(ctx, { key, inputs, values: defaultConfigOf(credential).sharedSettings ?? {}, submit: 'Save settings', onsubmit: (values) => ctx.actions.saveSettings(key, credential.id, values) }));
}

function workflows(ctx, credential) {
  const { state, actions, config, integration } = ctx;
  const allowed = new Set((integration.workflows ?? []).map((w) => w.id));
  const metas = Object.values(config.workflowMeta ?? {}).filter((m) => !m.hidden && allowed.has(m.id)).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  if (metas.length === 0) return null;
  const settings = defaultConfigOf(credential).workflowSettings ?? {};
  return h('section', { class: 'block', 'aria-labelledby': `wf-${credential.id}-title` },
    h('h2', { id: `wf-${credential.id}-title` }, 'Workflows'),
    h('ul', { class: 'workflows' }, metas.map((meta) => {
      const key = `wf-${credential.id}-${meta.id}`;
      const enabled = Boolean(settings[meta.id]?.enabled);
      const label = meta.infoText || integration.workflows.find((w) => w.id === meta.id)?.description || 'Workflow';
      const busy = state.busy.has(key);
      return h('li', { class: 'workflow' },
        h('div', { class: 'workflow-row' },
          h('span', { id: `${key}-name`, class: 'workflow-name' }, label),
          h('button', {
            type: 'button', role: 'switch', id: `${key}-switch`, class: 'switch', 'aria-checked': String(enabled), 'aria-labelledby': `${key}-name`, disabled: busy,
            onclick: () => actions.toggleWorkflow(key, credential.id, meta.id, !enabled),
          }, h('span', { class: 'knob', 'aria-hidden': 'true' }))),
        note(state, key),
        enabled && meta.inputs?.length
          ? inputForm(ctx, { key: `${key}-settings`, inputs: meta.inputs, values: settings[meta.id]?.settings ?? {}, submit: 'Save', onsubmit: (values) => actions.saveWorkflowSettings(`${key}-settings`, credential.id, meta.id, values) })
          : null);
    })));
}

function anotherAccount(ctx) {
  const { state, actions } = ctx;
  if (!state.addingAccount) {
    return h('button', { type: 'button', class: 'link', id: 'add-account', onclick: () => actions.addAccount(true) }, '+ Connect another account');
  }
  return h('section', { class: 'block' }, h('h2', {}, 'Another account'), connectSection(ctx, 'connect-another'),
    h('button', { type: 'button', class: 'link', onclick: () => actions.addAccount(false) }, 'Cancel'));
}

// ---- forms ----
function kindOf(input) {
  const type = String(input.type ?? 'text').toLowerCase();
  if (type === 'number') return 'number';
  if (['boolean', 'switch', 'boolean_input', 'checkbox'].includes(type)) return 'boolean';
  if (['multiselect', 'multi_select', 'multi-select', 'multi_dropdown'].includes(type)) return 'multiselect';
  if (['select', 'dropdown', 'custom_dropdown', 'enum'].includes(type)) return 'select';
  if (type.includes('password')) return 'password';
  if (type.includes('textarea')) return 'textarea';
  return 'text';
}

function optionsOf(input) {
  const raw = input.options ?? input.customDropdownOptions ?? [];
  return raw.map((o) => (typeof o === 'object' && o !== null ? { value: String(o.value ?? o.label), label: String(o.label ?? o.value) } : { value: String(o), label: String(o) }));
}

function isEmpty(kind, value) {
  if (kind === 'boolean') return false;
  if (kind === 'multiselect') return !Array.isArray(value) || value.length === 0;
  return value === undefined || value === null || String(value).trim() === '';
}

/** A form over inputs, with required fields enforced; values come back typed (number, boolean, list). */
function inputForm(ctx, { key, inputs, values, submit, intro, onsubmit }) {
  const { state, actions } = ctx;
  const current = (input) => {
    const draft = state.drafts[key] ?? {};
    return input.id in draft ? draft[input.id] : values[input.id];
  };
  const fieldId = (input) => `${key}-f-${input.id}`;
  const busy = state.busy.has(key);

  const fields = inputs.map((input) => {
    const kind = kindOf(input);
    const id = fieldId(input);
    const value = current(input);
    const label = `${input.title ?? input.id}${input.required ? ' *' : ''}`;
    const help = input.tooltip ?? input.subtitle;
    const described = help ? `${id}-help` : undefined;
    const set = (v) => actions.draft(key, input.id, v);
    let control;
    if (kind === 'boolean') {
      control = h('input', { type: 'checkbox', id, checked: Boolean(value), 'aria-describedby': described, onchange: (e) => set(e.target.checked) });
      return h('div', { class: 'field check' }, control, h('label', { for: id }, input.title ?? input.id), help ? h('p', { id: described, class: 'help' }, help) : null);
    }
    if (kind === 'multiselect') {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
      return h('fieldset', { class: 'field', id, 'aria-describedby': described },
        h('legend', {}, label),
        optionsOf(input).map((o, i) => h('label', { class: 'option' },
          h('input', { type: 'checkbox', id: `${id}-${i}`, value: o.value, checked: chosen.has(o.value), onchange: (e) => {
            if (e.target.checked) chosen.add(o.value); else chosen.delete(o.value);
            set([...chosen]);
          } }), ` ${o.label}`)),
        help ? h('p', { id: described, class: 'help' }, help) : null);
    }
    if (kind === 'select') {
      control = h('select', { id, required: Boolean(input.required), 'aria-describedby': described, onchange: (e) => set(e.target.value) },
        h('option', { value: '' }, 'Choose…'),
        optionsOf(input).map((o) => h('option', { value: o.value, selected: String(value ?? '') === o.value }, o.label)));
    } else if (kind === 'textarea') {
      control = h('textarea', { id, rows: '3', required: Boolean(input.required), placeholder: input.placeholder, 'aria-describedby': described, oninput: (e) => set(e.target.value) });
      control.value = value === undefined || value === null ? '' : String(value);
    } else {
      control = h('input', {
        id, type: kind === 'number' ? 'number' : kind === 'password' ? 'password' : 'text', step: kind === 'number' ? 'any' : undefined,
        required: Boolean(input.required), placeholder: input.placeholder, autocomplete: 'off', 'aria-describedby': described,
        value: value === undefined || value === null ? '' : String(value), oninput: (e) => set(e.target.value),
      });
    }
    return h('div', { class: 'field' }, h('label', { for: id }, label), control, help ? h('p', { id: described, class: 'help' }, help) : null);
  });

  const onSubmit = (event) => {
    event.preventDefault();
    const result = {};
    const missing = [];
    const wrong = [];
    for (const input of inputs) {
      const kind = kindOf(input);
      let value = current(input);
      if (kind === 'boolean') value = Boolean(value);
      if (kind === 'text' || kind === 'password' || kind === 'textarea' || kind === 'select') value = value === undefined || value === null ? '' : String(value).trim();
      if (kind === 'number') {
        const text = value === undefined || value === null ? '' : String(value).trim();
        if (text !== '' && !Number.isFinite(Number(text))) wrong.push(input.title ?? input.id);
        value = text === '' ? undefined : Number(text);
      }
      if (input.required && isEmpty(kind, value)) missing.push(input.title ?? input.id);
      if (value !== undefined && !(kind !== 'boolean' && kind !== 'multiselect' && value === '')) result[input.id] = value;
    }
    if (missing.length || wrong.length) {
      state.notes[key] = { kind: 'error', text: [missing.length ? `Fill in: ${missing.join(', ')}.` : '', wrong.length ? `Enter a number for: ${wrong.join(', ')}.` : ''].join(' ').trim() };
      for (const input of inputs) {
        const el = document.getElementById(fieldId(input));
        if (el) el.setAttribute('aria-invalid', String(missing.includes(input.title ?? input.id) || wrong.includes(input.title ?? input.id)));
      }
      const n = document.getElementById(`${key}-note`);
      if (n) n.replaceWith(noteEl(state, key));
      document.getElementById(fieldId(inputs.find((i) => missing.includes(i.title ?? i.id) || wrong.includes(i.title ?? i.id))))?.focus();
      return;
    }
    onsubmit(result);
  };

  return h('form', { class: 'form', novalidate: true, onsubmit: onSubmit, 'aria-busy': busy ? 'true' : undefined },
    intro ? h('p', { class: 'muted' }, intro) : null,
    fields,
    noteEl(state, key),
    h('button', { type: 'submit', class: 'primary', id: `${key}-submit`, disabled: busy }, submit));
}

function noteEl(state, key) {
  const n = state.notes[key];
  return h('p', { id: `${key}-note`, class: n ? `note ${n.kind}` : 'note empty', role: n?.kind === 'error' ? 'alert' : 'status' }, n ? n.text : '');
}
