import { api, connectedTypes, fmtDate, h, link, projectBase, projectNav, show, errorBox, userStatus, main } from './lib.js';

export async function usersPage(pid) {
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
    projectNav(pid, 'users'),
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
