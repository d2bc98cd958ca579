// Shared by the dashboard's pages: the Admin API client, a DOM builder that never parses HTML,
// and formatting. Every piece of data comes from the Admin API (/api/v1/projects/{pid}/...), called
// with the staff session cookie; changes carry the session's CSRF token.

export const main = document.getElementById('main');
export const session = { current: null };

export class ApiError extends Error {
  constructor(body, status) {
    super(body?.message || `The server answered ${status}.`);
    this.code = body?.code || 'HTTP_' + status;
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = session.current?.csrfToken ?? '';
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
export function h(tag, attrs = {}, ...children) {
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

export const link = (href, text) => h('a', { href, 'data-nav': true }, text);
export const canChange = () => session.current?.role === 'admin';
export const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');
export const projectBase = (pid) => `/api/v1/projects/${encodeURIComponent(pid)}`;

export function show(...nodes) {
  main.replaceChildren(...nodes);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? `${error.message} (${error.code})` : 'Something went wrong; try again.');
}

export function userStatus(user) {
  const creds = Object.values(user.integrations ?? {}).flatMap((s) => s.allCredentials ?? []);
  if (creds.some((c) => c.status === 'INVALID')) return { text: 'Account errors', cls: 'bad' };
  if (creds.some((c) => c.status === 'VALID')) return { text: 'Connected', cls: 'good' };
  return { text: 'Not connected', cls: '' };
}
export const connectedTypes = (user) => Object.entries(user.integrations ?? {}).filter(([, s]) => (s.allCredentials ?? []).length > 0).map(([type]) => type);

/** The tabs of a project's pages. */
export function projectNav(pid, current) {
  const tabs = [['users', 'Connected Users'], ['executions', 'Task history'], ['settings', 'Settings']];
  return h('nav', { class: 'tabs', 'aria-label': 'Project' },
    link('/dashboard', '← Projects'),
    tabs.map(([path, label]) => h('a', { href: `/dashboard/projects/${pid}/${path}`, 'data-nav': true, 'aria-current': path === current ? 'page' : undefined }, label)));
}

/** A section whose body loads on its own: its heading, then "Loading…", then the body or an error. */
export function lazySection(id, title, load) {
  const heading = h('h2', { id }, title);
  const section = h('section', { 'aria-labelledby': id }, heading, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  Promise.resolve().then(load).then(
    (body) => section.replaceChildren(heading, ...[body].flat()),
    (error) => section.replaceChildren(heading, error?.code === 'STAFF_READ_ONLY' ? h('p', { class: 'muted' }, 'Only dashboard admins can see this.') : errorBox(error)),
  );
  return section;
}

export function badge(text, cls = '') {
  return h('span', { class: `badge ${cls}` }, text);
}
