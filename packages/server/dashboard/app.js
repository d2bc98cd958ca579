// Portico dashboard: the router. Pages live in their own modules; lib.js holds what they share.
import { api, h, link, main, session, show, errorBox } from './lib.js';
import { usersPage } from './users.js';
import { userPage } from './user.js';
import { executionsPage } from './executions.js';
import { settingsPage } from './settings.js';

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

// ---- Routing -------------------------------------------------------------------------------------

async function render() {
  const path = location.pathname.replace(/\/+$/, '');
  let match;
  try {
    if (path === '/dashboard') await projectsPage();
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/users$/))) await usersPage(decodeURIComponent(match[1]));
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/users\/([^/]+)$/))) await userPage(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/executions$/))) await executionsPage(decodeURIComponent(match[1]));
    else if ((match = path.match(/^\/dashboard\/projects\/([^/]+)\/settings$/))) await settingsPage(decodeURIComponent(match[1]));
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
    session.current = await api('/dashboard/api/session');
  } catch {
    return;
  }
  document.getElementById('who').textContent = `${session.current.email} (${session.current.role})`;
  document.getElementById('signout-csrf').value = session.current.csrfToken;
  await render();
})();
