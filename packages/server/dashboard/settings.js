// Project settings: signing keys, API keys, integrations, workflows, webhooks and their deliveries,
// secret metadata keys. Secrets are shown once, when made, and never again.
import { api, badge, canChange, errorBox, fmtDate, h, lazySection, projectBase, projectNav, show } from './lib.js';

const SCOPES = ['users:read', 'users:write', 'users:erase', 'workflows:read', 'workflows:write', 'integrations:write', 'webhooks:write', 'task-history:read', 'admin'];

/** A secret shown once, with a copy button and optionally a download. */
function shownOnce(label, value, filename) {
  const copy = h('button', { type: 'button', class: 'secondary', onclick: async () => { await navigator.clipboard?.writeText(value); copy.textContent = 'Copied'; } }, 'Copy');
  const download = filename ? h('a', { class: 'button', download: filename, href: `data:application/octet-stream;base64,${btoa(value)}` }, 'Download') : '';
  return h('div', { class: 'notice', role: 'status' }, h('p', {}, h('strong', {}, label), ' — shown once; Portico does not keep it.'), h('pre', { tabindex: '0' }, value), h('div', { class: 'actions' }, copy, download));
}

function table(columns, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows));
}

function signingKeys(pid) {
  const out = h('div');
  async function load() {
    const { data } = await api(`${projectBase(pid)}/signing-keys`);
    const generate = h('button', { type: 'button', onclick: async () => {
      if (!confirm('Generate a new signing key? Tokens signed with the current key keep working for 24 hours.')) return;
      try {
        const made = await api(`${projectBase(pid)}/signing-keys`, { method: 'POST', body: {} });
        out.replaceChildren(shownOnce('Private signing key', made.privateKeyPem, `portico-signing-key-${made.id}.pem`), await load());
      } catch (error) { out.prepend(errorBox(error)); }
    } }, 'Generate a new signing key');
    return h('div', {}, table(['Key', 'State', 'Created', 'Replaced'], data.map((k) => h('tr', {}, h('td', {}, k.id), h('td', {}, badge(k.active ? 'Active' : 'Retired', k.active ? 'good' : '')), h('td', {}, fmtDate(k.dateCreated)), h('td', {}, fmtDate(k.dateRevoked))))),
      canChange() ? h('div', { class: 'actions' }, generate) : '');
  }
  return load().then((body) => { out.append(body); return out; });
}

function apiKeys(pid) {
  const out = h('div');
  async function render(notice) {
    const { data } = await api(`${projectBase(pid)}/api-keys`);
    const name = h('input', { id: 'key-name', type: 'text', required: true, maxlength: 100 });
    const boxes = SCOPES.map((s) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: s }), ` ${s}`));
    const form = h('form', { class: 'filters', onsubmit: async (event) => {
      event.preventDefault();
      const scopes = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      try {
        const made = await api(`${projectBase(pid)}/api-keys`, { method: 'POST', body: { name: name.value, scopes } });
        await render(shownOnce(`API key "${name.value}"`, made.key));
      } catch (error) { form.append(errorBox(error)); }
    } }, h('div', {}, h('label', { for: 'key-name' }, 'Key name'), name), h('fieldset', {}, h('legend', {}, 'Scopes'), boxes), h('div', {}, h('button', { type: 'submit' }, 'Create API key')));
    out.replaceChildren(notice ?? '',
      table(['Name', 'Scopes', 'Key', 'Created', 'Last used', ''], data.map((k) => h('tr', {}, h('td', {}, k.name), h('td', {}, k.scopes.join(', ')), h('td', {}, `${k.keyPrefix}…`), h('td', {}, fmtDate(k.dateCreated)), h('td', {}, fmtDate(k.dateLastUsed)),
        h('td', {}, canChange() ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
          if (!confirm(`Delete the API key "${k.name}"? Backends using it stop working at once.`)) return;
          try { await api(`${projectBase(pid)}/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }); await render(); } catch (error) { out.prepend(errorBox(error)); }
        } }, `Delete ${k.name}`) : '')))),
      canChange() ? form : '');
  }
  return render().then(() => out);
}

function integrations(pid) {
  const out = h('div');
  async function render(notice) {
    const { data } = await api(`${projectBase(pid)}/integrations`);
    if (data.length === 0) { out.replaceChildren(h('p', { class: 'muted' }, 'No integrations yet.')); return; }
    out.replaceChildren(notice ?? '', h('div', { class: 'cards' }, data.map((i) => {
      const id = `int-${i.id}`;
      const clientId = h('input', { id: `${id}-client`, type: 'text', value: i.clientId ?? '' });
      const secret = h('input', { id: `${id}-secret`, type: 'password', autocomplete: 'new-password', placeholder: i.hasClientSecret ? 'stored; type to replace' : 'not set' });
      const scopes = h('input', { id: `${id}-scopes`, type: 'text', value: (i.scopes ?? i.auth?.scopes ?? []).join(' ') });
      const copy = h('button', { type: 'button', class: 'secondary', onclick: async () => { await navigator.clipboard?.writeText(i.redirectUri); copy.textContent = 'Copied'; } }, 'Copy redirect URI');
      const form = h('form', { onsubmit: async (event) => {
        event.preventDefault();
        const body = { clientId: clientId.value.trim() };
        if (secret.value) body.clientSecret = secret.value;
        if (i.scheme === 'oauth2' && !i.type.startsWith('custom.')) body.scopes = scopes.value.split(/[\s,]+/).filter(Boolean);
        try { await api(`${projectBase(pid)}/integrations/${encodeURIComponent(i.id)}`, { method: 'PATCH', body }); await render(h('p', { class: 'notice', role: 'status' }, `${i.name} saved.`)); } catch (error) { form.append(errorBox(error)); }
      } },
      i.scheme === 'oauth2' ? [
        h('label', { for: `${id}-client` }, 'Client ID'), h('br'), clientId, h('br'),
        h('label', { for: `${id}-secret` }, 'Client secret'), h('br'), secret, h('br'),
        i.type.startsWith('custom.') ? '' : [h('label', { for: `${id}-scopes` }, 'Scopes'), h('br'), scopes, h('br')],
        canChange() ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, `Save ${i.name}`)) : '',
      ] : h('p', { class: 'muted' }, 'Users connect it with an API key; nothing to configure.'));
      return h('section', { class: 'card', 'aria-label': i.name },
        h('h3', {}, i.name, ' ', badge(i.isActive ? 'Active' : 'Inactive', i.isActive ? 'good' : '')),
        h('dl', {}, h('dt', {}, 'Type'), h('dd', {}, i.type), h('dt', {}, 'Redirect URI'), h('dd', {}, h('code', {}, i.redirectUri), ' ', copy)),
        form);
    })));
  }
  return render().then(() => out);
}

async function workflows(pid) {
  const { data } = await api(`${projectBase(pid)}/workflows`);
  if (data.length === 0) return h('p', { class: 'muted' }, 'No workflows yet. Define them with the Admin API or portico workflows apply DIR.');
  return table(['Name', 'Integration', 'Trigger', 'On by default', 'Updated'], data.map((w) => h('tr', {},
    h('td', {}, w.name), h('td', {}, w.integration), h('td', {}, w.trigger?.type === 'event' ? `App Event "${w.trigger.event}"` : w.trigger?.type === 'schedule' ? `Schedule ${w.trigger.cron}` : (w.trigger?.type ?? '—')),
    h('td', {}, w.defaultEnabled ? 'Yes' : 'No'), h('td', {}, fmtDate(w.dateUpdated)))));
}

function webhooks(pid) {
  const out = h('div');
  async function deliveries(webhook) {
    const { data } = await api(`${projectBase(pid)}/webhooks/${encodeURIComponent(webhook.id)}/deliveries?limit=20`);
    if (data.length === 0) return h('p', { class: 'muted' }, 'No deliveries yet.');
    return table(['Event', 'Status', 'Attempts', 'Last response', 'Created', ''], data.map((d) => h('tr', {},
      h('td', {}, d.eventType), h('td', {}, badge(d.status, d.status === 'succeeded' ? 'good' : d.status === 'dead' ? 'bad' : '')), h('td', {}, String(d.attempts)),
      h('td', {}, d.lastStatusCode ? String(d.lastStatusCode) : d.lastError ?? '—'), h('td', {}, fmtDate(d.dateCreated)),
      h('td', {}, canChange() && d.status !== 'succeeded' ? h('button', { type: 'button', class: 'secondary', onclick: async (event) => {
        try { await api(`${projectBase(pid)}/webhooks/${encodeURIComponent(webhook.id)}/deliveries/${encodeURIComponent(d.id)}/retry`, { method: 'POST' }); event.target.textContent = 'Retry queued'; event.target.disabled = true; } catch (error) { out.prepend(errorBox(error)); }
      } }, 'Retry') : ''))));
  }
  async function render(notice) {
    const { data } = await api(`${projectBase(pid)}/webhooks`);
    const url = h('input', { id: 'wh-url', type: 'url', required: true, placeholder: 'https://app.example.com/portico-events' });
    const events = h('input', { id: 'wh-events', type: 'text', value: '*' });
    const form = h('form', { class: 'filters', onsubmit: async (event) => {
      event.preventDefault();
      try {
        const made = await api(`${projectBase(pid)}/webhooks`, { method: 'POST', body: { url: url.value, events: events.value.split(/[\s,]+/).filter(Boolean) } });
        await render(shownOnce('Webhook signing secret', made.secret));
      } catch (error) { form.append(errorBox(error)); }
    } }, h('div', {}, h('label', { for: 'wh-url' }, 'Endpoint URL'), url), h('div', {}, h('label', { for: 'wh-events' }, 'Events (comma-separated, * for all)'), events), h('div', {}, h('button', { type: 'submit' }, 'Add webhook')));
    out.replaceChildren(notice ?? '', ...(data.length === 0 ? [h('p', { class: 'muted' }, 'No webhooks yet.')] : data.map((w) => {
      const log = h('div', { hidden: true });
      const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: async () => {
        log.hidden = !log.hidden;
        toggle.setAttribute('aria-expanded', String(!log.hidden));
        if (!log.hidden) { log.replaceChildren(h('p', { class: 'muted' }, 'Loading…')); try { log.replaceChildren(await deliveries(w)); } catch (error) { log.replaceChildren(errorBox(error)); } }
      } }, 'Delivery log');
      return h('section', { class: 'card', 'aria-label': w.url }, h('h3', {}, w.url, ' ', badge(w.enabled ? 'Enabled' : 'Disabled', w.enabled ? 'good' : '')),
        h('p', { class: 'muted' }, `Events: ${w.events.join(', ')}`), h('div', { class: 'actions' }, toggle), log);
    })), canChange() ? form : '');
  }
  return render().then(() => out);
}

function secretMetaKeys(pid) {
  const input = h('input', { id: 'secret-keys', type: 'text', placeholder: 'apiKey, refreshToken' });
  const status = h('div', { role: 'status' });
  const form = h('form', { class: 'filters', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const project = await api(projectBase(pid), { method: 'PATCH', body: { secretMetaKeys: input.value.split(/[\s,]+/).filter(Boolean) } });
      input.value = (project.secretMetaKeys ?? []).join(', ');
      status.replaceChildren(h('p', { class: 'notice' }, 'Secret metadata keys saved.'));
    } catch (error) { status.replaceChildren(errorBox(error)); }
  } }, h('div', {}, h('label', { for: 'secret-keys' }, 'Secret metadata keys'), input), canChange() ? h('div', {}, h('button', { type: 'submit' }, 'Save secret keys')) : '');
  return api(projectBase(pid)).then((project) => {
    input.value = (project.secretMetaKeys ?? []).join(', ');
    return h('div', {}, h('p', { class: 'muted' }, 'Values of these metadata keys are encrypted at rest, write-only through the Connect API and redacted here.'), form, status);
  });
}

export async function settingsPage(pid) {
  document.title = 'Settings · Portico';
  show(projectNav(pid, 'settings'), h('h1', {}, 'Project settings'),
    lazySection('set-signing', 'Signing keys', () => signingKeys(pid)),
    lazySection('set-apikeys', 'API keys', () => apiKeys(pid)),
    lazySection('set-integrations', 'Integrations', () => integrations(pid)),
    lazySection('set-workflows', 'Workflows', () => workflows(pid)),
    lazySection('set-webhooks', 'Webhooks', () => webhooks(pid)),
    lazySection('set-secret-keys', 'Secret metadata keys', () => secretMetaKeys(pid)));
}
