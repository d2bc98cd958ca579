import { executionsTable } from './executions.js';
import { api, canChange, connectedTypes, errorBox, fmtDate, h, link, main, projectBase, projectNav, show, userStatus } from './lib.js';

export async function userPage(pid, userId) {
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
    projectNav(pid, 'users'),
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

  api(`${projectBase(pid)}/executions?userId=${encodeURIComponent(user.userId)}&limit=20`).then(
    (result) => executionsSection.replaceChildren(executionsSection.firstChild, executionsTable(pid, result.data ?? [])),
    (error) => executionsSection.replaceChildren(executionsSection.firstChild, error.status === 404 && error.code === 'ROUTE_NOT_FOUND' ? h('p', { class: 'muted' }, 'Executions are not available on this server yet.') : errorBox(error)));

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
