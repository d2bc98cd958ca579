// Portico dashboard: a small browser app with no build step. Every piece of data comes from the
// Admin API (/api/v1/projects/{pid}/...), called with the staff session cookie; changes carry the
// session's CSRF token. The server enforces roles; the app only hides what a viewer cannot use.

const main = document.getElementById('main');
let session = null;

class ApiError extends Error {
  constructor(body, status) {
    super(body?.message || `The server answered ${status}.`);
    this.code = body?.code || 'HTTP_' + status;
    this.status = status;
  }
}

async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = session?.csrfToken ?? '';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', signal });
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (response.status === 401 && parsed?.code === 'STAFF_SESSION_MISSING') {
    location.assign(`/dashboard/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError(parsed, 401);
  }
  if (!response.ok) throw new ApiError(parsed, response.status);
  return parsed;
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

const link = (href, text) => h('a', { href, 'data-nav': true }, text);
const canChange = () => session?.role === 'admin';
const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');
const projectBase = (pid) => `/api/v1/projects/${encodeURIComponent(pid)}`;

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? `${error.message} (${error.code})` : 'Something went wrong; try again.');
}

function userStatus(user) {
  const creds = Object.values(user.integrations ?? {}).flatMap((s) => s.allCredentials ?? []);
  if (creds.some((c) => c.status === 'INVALID')) return { text: 'Account errors', cls: 'bad' };
  if (creds.some((c) => c.status === 'VALID')) return { text: 'Connected', cls: 'good' };
  return { text: 'Not connected', cls: '' };
}
const connectedTypes = (user) => Object.entries(user.integrations ?? {}).filter(([, s]) => (s.allCredentials ?? []).length > 0).map(([type]) => type);

// ---- Pages ---------------------------------------------------------------------------------------

async function projectsPage() {
  document.title = 'Projects · Portico';
  const { data } = await api('/dashboard/api/projects');
  if (data.length === 0) {
    show(h('h1', {}, 'Projects'), h('p', { class: 'muted' }, 'No projects yet. Create one with portico project create --name NAME.'));
    return;
  }
  show(
    h('h1', {}, 'Projects'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Project ID'), h('th', { scope: 'col' }, 'Plan'))),
      h('tbody', {}, data.map((p) => h('tr', {}, h('td', {}, link(`/dashboard/projects/${p.id}/users`, p.name)), h('td', {}, p.id), h('td', {}, p.plan))))),
  );
}

async function usersPage(pid) {
  document.title = 'Connected Users · Portico';
  const params = new URLSearchParams(location.search);
  const search = h('input', { type: 'search', id: 'user-search', value: params.get('q') ?? '', placeholder: 'Name, email or user id', autocomplete: 'off' });
  const integration = h('select', { id: 'filter-integration' }, h('option', { value: '' }, 'Any'));
  const status = h('select', { id: 'filter-status' }, h('option', { value: '' }, 'Any'), h('option', { value: 'connected' }, 'Connected'), h('option', { value: 'account_errors' }, 'Account errors'));
  const active = h('select', { id: 'filter-active' }, h('option', { value: '' }, 'Any'), h('option', { value: 'true' }, 'Active'), h('option', { value: 'false' }, 'Disabled'));
  const meta = h('input', { type: 'text', id: 'filter-meta', placeholder: 'Plan=pro', value: params.get('meta') ?? '' });
  status.value = params.get('status') ?? '';
  active.value = params.get('active') ?? '';
  const summary = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const body = h('tbody');
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Next page');
  const cursors = [null];
  let controller = null;
  let timer = null;

  show(
    h('p', {}, link('/dashboard', '← Projects')),
    h('h1', {}, 'Connected Users'),
    h('div', { class: 'filters', role: 'search' },
      h('div', {}, h('label', { for: 'user-search' }, 'Search'), search),
      h('div', {}, h('label', { for: 'filter-integration' }, 'Integration'), integration),
      h('div', {}, h('label', { for: 'filter-status' }, 'Status'), status),
      h('div', {}, h('label', { for: 'filter-active' }, 'Active'), active),
      h('div', {}, h('label', { for: 'filter-meta' }, 'Metadata (key=value)'), meta)),
    summary,
    h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Email', 'User ID', 'Status', 'Integrations', 'Created', 'Last active'].map((c) => h('th', { scope: 'col' }, c)))), body),
    h('div', { class: 'pager' }, prev, next),
  );

  api(`${projectBase(pid)}/integrations`).then(({ data }) => {
    for (const i of data) integration.append(h('option', { value: i.type }, i.name));
    integration.value = params.get('integration') ?? '';
  }, () => { /* viewers may not list integrations: the types come from the users instead */ });

  function query(cursor) {
    const q = new URLSearchParams();
    if (search.value.trim()) q.set('q', search.value.trim());
    if (integration.value) q.set('integration', integration.value);
    if (status.value) q.set('status', status.value);
    if (active.value) q.set('active', active.value);
    const pair = meta.value.trim();
    if (pair.includes('=')) q.set(`meta.${pair.slice(0, pair.indexOf('=')).trim()}`, pair.slice(pair.indexOf('=') + 1).trim());
    q.set('limit', '50');
    if (cursor) q.set('cursor', cursor);
    return q;
  }

  async function load(page) {
    controller?.abort();
    controller = new AbortController();
    const shown = new URLSearchParams();
    for (const [k, v] of [['q', search.value.trim()], ['integration', integration.value], ['status', status.value], ['active', active.value], ['meta', meta.value.trim()]]) if (v) shown.set(k, v);
    history.replaceState(null, '', `${location.pathname}${shown.size ? `?${shown}` : ''}`);
    summary.textContent = 'Searching…';
    try {
      const result = await api(`${projectBase(pid)}/users?${query(cursors[page])}`, { signal: controller.signal });
      body.replaceChildren(...result.data.map((user) => {
        const st = userStatus(user);
        return h('tr', {},
          h('td', {}, user.meta?.Name ?? '—'),
          h('td', {}, user.meta?.Email ?? '—'),
          h('td', {}, link(`/dashboard/projects/${pid}/users/${encodeURIComponent(user.userId)}`, user.userId)),
          h('td', {}, h('span', { class: `badge ${st.cls}` }, st.text), user.active ? '' : h('span', { class: 'badge bad' }, ' Disabled')),
          h('td', {}, connectedTypes(user).join(', ') || '—'),
          h('td', {}, fmtDate(user.dateCreated)),
          h('td', {}, fmtDate(user.dateLastActive)));
      }));
      if (integration.options.length === 1 && result.data[0]) for (const type of Object.keys(result.data[0].integrations ?? {})) integration.append(h('option', { value: type }, type));
      const count = result.totalIsEstimate ? `about ${result.total.toLocaleString()}` : result.total.toLocaleString();
      summary.textContent = result.data.length === 0 ? 'No users match.' : `${count} user${result.total === 1 ? '' : 's'} · page ${page + 1}`;
      cursors.length = page + 1;
      if (result.nextCursor) cursors.push(result.nextCursor);
      prev.disabled = page === 0;
      next.disabled = !result.nextCursor;
      prev.onclick = () => load(page - 1);
      next.onclick = () => load(page + 1);
    } catch (error) {
      if (error.name === 'AbortError') return;
      summary.replaceChildren(errorBox(error));
    }
  }
  const restart = () => { cursors.length = 1; load(0); };
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(restart, 200); });
  for (const el of [integration, status, active]) el.addEventListener('change', restart);
  meta.addEventListener('change', restart);
  await load(0);
  search.focus();
}

async function userPage(pid, userId) {
  const base = `${projectBase(pid)}/users/${encodeURIComponent(userId)}`;
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });
  let user;
  try {
    user = await api(base);
  } catch (error) {
    show(h('p', {}, link(`/dashboard/projects/${pid}/users`, '← Connected Users')), error.status === 404 ? h('p', {}, `No user ${userId} in this project.`) : errorBox(error));
    return;
  }
  document.title = `${user.meta?.Name ?? user.userId} · Portico`;
  const act = async (label, fn) => {
    notice.replaceChildren(h('p', { class: 'muted' }, `${label}…`));
    try {
      await fn();
      await userPage(pid, userId);
      main.prepend(h('p', { class: 'notice', role: 'status' }, `${label}: done.`));
    } catch (error) {
      notice.replaceChildren(errorBox(error));
    }
  };
  const st = userStatus(user);
  const actions = h('div', { class: 'actions' });
  if (canChange()) {
    actions.append(
      user.active
        ? h('button', { type: 'button', class: 'secondary', onclick: () => act('Disable user', () => api(base, { method: 'PATCH', body: { active: false } })) }, 'Disable user')
        : h('button', { type: 'button', onclick: () => act('Enable user', () => api(base, { method: 'PATCH', body: { active: true } })) }, 'Enable user'),
      h('button', { type: 'button', class: 'danger', onclick: () => eraseDialog(pid, user, base) }, 'Erase user'),
    );
  }

  const metaList = h('dl', {}, Object.entries(user.meta ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]));
  const integrationCards = Object.entries(user.integrations ?? {}).filter(([, s]) => (s.allCredentials ?? []).length > 0).map(([type, s]) =>
    h('section', { class: 'card', 'aria-label': type },
      h('h3', {}, type),
      s.allCredentials.map((c) => h('dl', {},
        h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `badge ${c.status === 'VALID' ? 'good' : c.status === 'INVALID' ? 'bad' : ''}` }, c.status), c.dateStatusChanged ? ` since ${fmtDate(c.dateStatusChanged)}` : ''),
        c.statusReason ? [h('dt', {}, 'Reason'), h('dd', {}, c.statusReason)] : [],
        h('dt', {}, 'Account'), h('dd', {}, c.providerId ?? '—'),
        h('dt', {}, 'Last refresh'), h('dd', {}, fmtDate(c.dateRefreshed)),
        h('dt', {}, 'Connected'), h('dd', {}, fmtDate(c.dateCreated)))),
      canChange() ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => {
        if (confirm(`Disconnect ${type} for ${user.userId}? Their tokens are revoked where the provider allows it.`)) act(`Disconnect ${type}`, () => api(`${base}/integrations/${encodeURIComponent(type)}`, { method: 'DELETE' }));
      } }, `Disconnect ${type}`)) : ''));

  const workflowsSection = h('section', { 'aria-labelledby': 'wf-h' }, h('h2', { id: 'wf-h' }, 'Workflows'), h('p', { class: 'muted' }, 'Loading…'));
  const executionsSection = h('section', { 'aria-labelledby': 'ex-h' }, h('h2', { id: 'ex-h' }, 'Executions'), h('p', { class: 'muted' }, 'Loading…'));
  const timeline = h('section', { 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, 'Audit timeline'), h('p', { class: 'muted' }, 'Loading…'));

  show(
    h('p', {}, link(`/dashboard/projects/${pid}/users`, '← Connected Users')),
    h('h1', {}, user.meta?.Name ?? user.userId, ' ', h('span', { class: `badge ${st.cls}` }, st.text), user.active ? '' : h('span', { class: 'badge bad' }, 'Disabled')),
    h('p', { class: 'muted' }, `User ID ${user.userId} · created ${fmtDate(user.dateCreated)} · last active ${fmtDate(user.dateLastActive)}`),
    notice, actions,
    h('h2', {}, 'Metadata'), Object.keys(user.meta ?? {}).length ? metaList : h('p', { class: 'muted' }, 'No metadata.'),
    h('h2', {}, 'Integrations'), integrationCards.length ? h('div', { class: 'cards' }, integrationCards) : h('p', { class: 'muted' }, 'No connected integrations.'),
    workflowsSection, executionsSection, timeline,
  );

  api(`${projectBase(pid)}/workflows`).then(({ data }) => {
    const connected = new Set(connectedTypes(user));
    const mine = data.filter((w) => connected.has(w.integration));
    if (mine.length === 0) { workflowsSection.replaceChildren(workflowsSection.firstChild, h('p', { class: 'muted' }, 'No workflows for the connected integrations.')); return; }
    workflowsSection.replaceChildren(workflowsSection.firstChild, h('ul', {}, mine.map((w) => {
      const enabled = user.integrations?.[w.integration]?.workflowSettings?.[w.id]?.enabled === true;
      return h('li', {}, h('span', { class: 'switch' },
        h('button', { type: 'button', role: 'switch', 'aria-checked': String(enabled), 'aria-label': w.name, disabled: !canChange(),
          onclick: () => act(`${enabled ? 'Disable' : 'Enable'} ${w.name}`, () => api(`${base}/workflows/${encodeURIComponent(w.id)}`, { method: enabled ? 'DELETE' : 'POST' })) }),
        h('span', {}, w.name, ' ', h('span', { class: 'muted' }, `(${w.integration})`))));
    })));
  }, (error) => workflowsSection.replaceChildren(workflowsSection.firstChild, errorBox(error)));

  api(`${projectBase(pid)}/executions?userId=${encodeURIComponent(user.userId)}&limit=20`).then((result) => {
    const rows = result.data ?? [];
    if (rows.length === 0) { executionsSection.replaceChildren(executionsSection.firstChild, h('p', { class: 'muted' }, 'No executions.')); return; }
    executionsSection.replaceChildren(executionsSection.firstChild, h('table', {},
      h('thead', {}, h('tr', {}, ['Status', 'Workflow', 'Started', 'Duration'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((x) => {
        const details = h('pre', { hidden: true });
        const started = x.dateStarted ?? x.startedAt ?? x.dateCreated;
        const ended = x.dateEnded ?? x.finishedAt;
        return [h('tr', {},
          h('td', {}, h('span', { class: `badge ${x.status === 'SUCCEEDED' ? 'good' : x.status === 'FAILED' ? 'bad' : ''}` }, x.status)),
          h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (e) => {
            details.hidden = !details.hidden;
            e.currentTarget.setAttribute('aria-expanded', String(!details.hidden));
            details.textContent = JSON.stringify(x, null, 2);
          } }, x.workflowName ?? x.workflowId)),
          h('td', {}, fmtDate(started)),
          h('td', {}, started && ended ? `${((new Date(ended) - new Date(started)) / 1000).toFixed(1)} s` : '—')),
        h('tr', {}, h('td', { colspan: 4 }, details))];
      }))));
  }, (error) => executionsSection.replaceChildren(executionsSection.firstChild, error.status === 404 ? h('p', { class: 'muted' }, 'Executions are not available on this server yet.') : errorBox(error)));

  api(`${base}/events?limit=50`).then(({ data }) => {
    if (data.length === 0) { timeline.replaceChildren(timeline.firstChild, h('p', { class: 'muted' }, 'No events yet.')); return; }
    timeline.replaceChildren(timeline.firstChild, h('ol', {}, data.map((e) => h('li', {},
      h('strong', {}, e.type), ` · ${fmtDate(e.at)} · by ${e.actor.kind} ${e.actor.name}`,
      e.changes && Object.keys(e.changes).length ? h('div', { class: 'muted' }, describeChanges(e.changes)) : ''))));
  }, (error) => timeline.replaceChildren(timeline.firstChild, errorBox(error)));
}

function describeChanges(changes) {
  return Object.entries(changes).map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : value !== null && typeof value === 'object' ? JSON.stringify(value) : value}`).join(' · ');
}

function eraseDialog(pid, user, base) {
  const input = h('input', { type: 'text', id: 'erase-confirm', autocomplete: 'off' });
  const error = h('div', { role: 'alert' });
  const confirmButton = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Erase');
  input.addEventListener('input', () => { confirmButton.disabled = input.value !== user.userId; });
  const dialog = h('dialog', { 'aria-labelledby': 'erase-h' },
    h('form', { method: 'dialog', onsubmit: async (event) => {
      event.preventDefault();
      if (input.value !== user.userId) return;
      try {
        const receipt = await api(base, { method: 'DELETE' });
        dialog.close();
        dialog.remove();
        show(h('h1', {}, 'User erased'), h('p', {}, `${receipt.userId} was erased at ${fmtDate(receipt.erasedAt)}.`), h('pre', {}, JSON.stringify(receipt, null, 2)), h('p', {}, link(`/dashboard/projects/${pid}/users`, '← Connected Users')));
      } catch (caught) {
        error.replaceChildren(errorBox(caught));
      }
    } },
    h('h2', { id: 'erase-h' }, `Erase ${user.userId}?`),
    h('p', {}, 'This deletes the user\'s credentials, settings, metadata, executions and audit events for good, and revokes their tokens at the providers where possible.'),
    h('label', { for: 'erase-confirm' }, `Type the user id (${user.userId}) to confirm`), h('br'), input, error,
    h('div', { class: 'actions' }, confirmButton, h('button', { type: 'button', class: 'secondary', onclick: () => { dialog.close(); dialog.remove(); } }, 'Cancel'))));
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
}

// ---- Routing -------------------------------------------------------------------------------------

async function render() {
  const path = location.pathname.replace(/\/+$/, '');
  let match;
  try {
    if (path === '/dashboard') await projectsPage();
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/users$/))) await usersPage(decodeURIComponent(match[1]));
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/users\/([^/]+)$/))) await userPage(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)$/))) { history.replaceState(null, '', `${path}/users`); await render(); }
    else show(h('h1', {}, 'Not found'), h('p', {}, link('/dashboard', 'Back to the projects')));
  } catch (error) {
    show(h('h1', {}, 'Could not load this page'), errorBox(error));
  }
}

document.addEventListener('click', (event) => {
  const a = event.target.closest?.('a[data-nav]');
  if (!a || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  render().then(() => main.focus());
});
window.addEventListener('popstate', () => render());

(async () => {
  try {
    session = await api('/dashboard/api/session');
  } catch {
    return;
  }
  document.getElementById('who').textContent = `${session.email} (${session.role})`;
  document.getElementById('signout-csrf').value = session.csrfToken;
  await render();
})();
