// Task history: executions across users (with filters), and the table the user page reuses.
import { api, badge, canChange, errorBox, fmtDate, h, link, projectBase, projectNav, show } from './lib.js';

const STATUSES = ['QUEUED', 'EXECUTING', 'DELAYED', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const statusClass = (status) => (status === 'SUCCEEDED' ? 'good' : status === 'FAILED' ? 'bad' : '');
const startedOf = (x) => x.dateStarted ?? x.startedAt ?? x.dateCreated;
const endedOf = (x) => x.dateEnded ?? x.dateFinished ?? x.finishedAt ?? x.dateCompleted;

function duration(x) {
  const started = startedOf(x);
  const ended = endedOf(x);
  return started && ended ? `${((new Date(ended) - new Date(started)) / 1000).toFixed(1)} s` : '—';
}

const executionPath = (pid, id) => `/projects/${encodeURIComponent(pid)}/task-history/workflow-executions/${encodeURIComponent(id)}`;
const stepStart = (step) => step.start ?? step.dateStarted;
const stepEnd = (step) => step.end ?? step.dateEnded;

/** A step's input and output, loaded the first time its details are opened. */
function inputOutput(pid, execution, step) {
  const body = h('div', {}, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let loaded = false;
  const show = (label, value, large) => [h('h4', {}, label, large ? ' (truncated)' : ''), h('pre', {}, JSON.stringify(value ?? null, null, 2))];
  return h('details', { ontoggle: async (event) => {
    if (!event.currentTarget.open || loaded) return;
    loaded = true;
    try {
      const data = await api(`${executionPath(pid, execution.id)}/step-executions/${encodeURIComponent(step.id)}`);
      body.replaceChildren(...show('Input', data.input, data.isLargeInput), ...show('Output', data.output, data.isLargeOutput));
    } catch (error) { loaded = false; body.replaceChildren(errorBox(error)); }
  } }, h('summary', {}, 'Input and output'), body);
}

/** The steps of one execution (the trigger first), loaded when it is opened. */
async function stepsOf(pid, execution) {
  const detail = await api(executionPath(pid, execution.id));
  const steps = detail.stepExecutions ?? [];
  return h('div', {}, replayControl(pid, detail), steps.length === 0 ? h('p', { class: 'muted' }, 'No steps ran.') : h('ol', { class: 'steps' }, steps.map((step) => h('li', {},
    h('strong', {}, step.stepId ?? step.id), ' ', h('span', { class: 'muted' }, step.type ?? ''), ' ', badge(step.status, statusClass(step.status)),
    ` ${duration({ dateStarted: stepStart(step), dateEnded: stepEnd(step) })}`,
    step.error ? h('p', { class: 'error' }, typeof step.error === 'string' ? step.error : step.error.message ?? JSON.stringify(step.error)) : '',
    inputOutput(pid, execution, step)))));
}

/** Admins may run a finished execution again (same workflow, user and trigger input). */
function replayControl(pid, execution) {
  if (!canChange() || !FINISHED.has(execution.status)) return '';
  const note = h('span', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    button.disabled = true;
    try {
      const replay = await api(`${executionPath(pid, execution.id)}/replay`, { method: 'POST' });
      note.textContent = ` Replay queued (${replay.id}).`;
    } catch (error) { button.disabled = false; note.replaceChildren(errorBox(error)); }
  } }, 'Replay');
  return h('div', { class: 'actions' }, button, note);
}

/** Executions as a table; each opens to show its steps with their inputs and outputs. */
export function executionsTable(pid, rows, { showUser = false } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No executions.');
  const columns = ['Status', 'Workflow', ...(showUser ? ['User'] : []), 'Started', 'Duration', ''];
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((x) => {
      const details = h('td', { colspan: columns.length });
      const detailRow = h('tr', { hidden: true }, details);
      const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: async () => {
        const open = detailRow.hidden;
        detailRow.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Hide steps' : 'Steps';
        if (open) {
          details.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Loading…'));
          try { details.replaceChildren(await stepsOf(pid, x)); } catch (error) { details.replaceChildren(errorBox(error)); }
        }
      } }, 'Steps');
      return [h('tr', {},
        h('td', {}, badge(x.status, statusClass(x.status))),
        h('td', {}, x.workflowName ?? x.workflow?.name ?? x.workflowId),
        showUser ? h('td', {}, x.userId ? link(`/dashboard/projects/${pid}/users/${encodeURIComponent(x.userId)}`, x.userId) : '—') : null,
        h('td', {}, fmtDate(startedOf(x))),
        h('td', {}, duration(x)),
        h('td', {}, toggle)), detailRow];
    })));
}

export async function executionsPage(pid) {
  document.title = 'Task history · Portico';
  const params = new URLSearchParams(location.search);
  const field = (id, label, input) => h('div', {}, h('label', { for: id }, label), input);
  const userId = h('input', { id: 'ex-user', type: 'text', value: params.get('userId') ?? '' });
  const email = h('input', { id: 'ex-email', type: 'email', value: params.get('email') ?? '' });
  const workflow = h('select', { id: 'ex-workflow' }, h('option', { value: '' }, 'Any'));
  const integration = h('select', { id: 'ex-integration' }, h('option', { value: '' }, 'Any'));
  const status = h('select', { id: 'ex-status' }, h('option', { value: '' }, 'Any'), STATUSES.map((s) => h('option', { value: s }, s)));
  const after = h('input', { id: 'ex-after', type: 'date', value: params.get('after') ?? '' });
  const before = h('input', { id: 'ex-before', type: 'date', value: params.get('before') ?? '' });
  status.value = params.get('status') ?? '';
  const summary = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const results = h('div');
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Next page');
  const cursors = [null];

  show(projectNav(pid, 'executions'), h('h1', {}, 'Task history'),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); cursors.length = 1; load(0); } },
      field('ex-user', 'User ID', userId), field('ex-email', 'Email', email), field('ex-workflow', 'Workflow', workflow),
      field('ex-integration', 'Integration', integration), field('ex-status', 'Status', status),
      field('ex-after', 'From', after), field('ex-before', 'To', before),
      h('div', {}, h('button', { type: 'submit' }, 'Apply filters'))),
    summary, results, h('div', { class: 'pager' }, prev, next));

  api(`${projectBase(pid)}/workflows`).then(({ data }) => {
    for (const w of data) workflow.append(h('option', { value: w.id }, w.name));
    for (const type of [...new Set(data.map((w) => w.integration))]) integration.append(h('option', { value: type }, type));
    workflow.value = params.get('workflowId') ?? '';
    integration.value = params.get('integration') ?? '';
  }, () => undefined);

  async function load(page) {
    const q = new URLSearchParams();
    const shown = new URLSearchParams();
    const set = (name, value, shownName = name) => { if (value) { q.set(name, value); shown.set(shownName, value); } };
    set('userId', userId.value.trim());
    set('email', email.value.trim());
    set('workflowId', workflow.value);
    set('integration', integration.value);
    set('status', status.value);
    if (after.value) { q.set('afterDate', new Date(`${after.value}T00:00:00Z`).toISOString()); shown.set('after', after.value); }
    if (before.value) { q.set('beforeDate', new Date(`${before.value}T23:59:59.999Z`).toISOString()); shown.set('before', before.value); }
    history.replaceState(null, '', `${location.pathname}${shown.size ? `?${shown}` : ''}`);
    q.set('limit', '50');
    if (cursors[page]) q.set('cursor', cursors[page]);
    summary.textContent = 'Loading…';
    try {
      const result = await api(`${projectBase(pid)}/executions?${q}`);
      const rows = result.data ?? [];
      results.replaceChildren(executionsTable(pid, rows, { showUser: true }));
      summary.textContent = rows.length === 0 ? 'No executions match.' : `${result.total !== undefined ? `${result.total.toLocaleString()} executions · ` : ''}page ${page + 1}`;
      cursors.length = page + 1;
      if (result.nextCursor) cursors.push(result.nextCursor);
      prev.disabled = page === 0;
      next.disabled = !result.nextCursor;
      prev.onclick = () => load(page - 1);
      next.onclick = () => load(page + 1);
    } catch (error) {
      results.replaceChildren();
      summary.replaceChildren(error.status === 404 && error.code === 'ROUTE_NOT_FOUND' ? h('p', { class: 'muted' }, 'Task history is not available on this server yet.') : errorBox(error));
    }
  }
  await load(0);
}
