import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { STORES } from './harness.ts';
import { BASE, DAY, MINUTE, taskHistorySuite, type Page } from './support/task-history-suite.ts';

describe.each(STORES)('Task History API and the Admin executions list (%s)', (kind) => {
  const s = taskHistorySuite(kind);
  const { seeded, th, list, newKey, insertExecution, insertStep, integrationIdOf } = s;

  it("lists executions in Paragon's shape, 100 a page, newest first, with a total and a nextLink that serves the next page over HTTP", async () => {
    const first = await list();
    expect(first.total).toBe(127);
    expect(first.workflowExecutions).toHaveLength(100);
    expect(first.workflowExecutions.map((x) => x.id)).toEqual(seeded.slice(0, 100).map((s) => s.id));
    const top = first.workflowExecutions[0]!;
    expect(top).toEqual({
      id: seeded[0]!.id,
      userId: 'ada',
      workflowId: s.sync.id,
      integration: 'salesforce',
      status: 'SUCCEEDED',
      triggerType: 'event',
      taskCount: 2,
      runDuration: 2500,
      dateCreated: '2026-11-01T12:00:00.000Z',
      dateStarted: '2026-11-01T12:00:01.000Z',
      dateEnded: '2026-11-01T12:00:03.500Z',
      error: null,
      replayOf: null,
    });
    expect(first.nextLink).not.toBeNull();
    const next = new URL(first.nextLink!);
    expect(next.pathname).toBe(`/projects/${s.pid}/task-history/workflow-executions`);
    expect(next.searchParams.get('offset')).toBe('100');

    // The server stays listening until afterAll closes it; inject keeps working meanwhile.
    await s.portico.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = s.portico.app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${next.pathname}${next.search}`, { headers: { authorization: `Bearer ${s.portico.project.apiKey}` } });
    expect(response.status).toBe(200);
    const second = (await response.json()) as Page;
    expect(second.workflowExecutions.map((x) => x.id)).toEqual(seeded.slice(100).map((s) => s.id));
    expect(second.nextLink).toBeNull();
    expect(second.total).toBe(127);
  });

  it('sorts oldest first with sortBy=ASC and keeps the filters in nextLink', async () => {
    const asc = await list('?sortBy=ASC&userId=ada');
    expect(asc.total).toBe(120);
    expect(asc.workflowExecutions[0]!.id).toBe(seeded[119]!.id);
    expect(asc.workflowExecutions.map((x) => x.id)).toEqual(seeded.filter((s) => s.sub === 'ada').reverse().slice(0, 100).map((s) => s.id));
    const next = new URL(asc.nextLink!);
    expect(Object.fromEntries(next.searchParams)).toEqual({ sortBy: 'ASC', userId: 'ada', offset: '100' });
    const rest = await list(next.search);
    expect(rest.workflowExecutions).toHaveLength(20);
    expect(rest.workflowExecutions.at(-1)!.id).toBe(seeded[0]!.id);
  });

  it('filters by user, workflow, integration, status and time, and says what to fix in a bad filter', async () => {
    expect((await list('?userId=bob')).workflowExecutions.map((x) => x.id)).toEqual(seeded.filter((s) => s.sub === 'bob').map((s) => s.id));
    expect((await list(`?workflowId=${s.deals.id}`)).total).toBe(60);
    expect((await list('?integration=hubspot')).total).toBe(7);
    expect((await list('?integration=hubspot&status=FAILED')).workflowExecutions.map((x) => x.id)).toEqual(seeded.filter((s) => s.sub === 'bob' && s.status === 'FAILED').map((s) => s.id));
    const failed = await list('?status=FAILED');
    expect(failed.total).toBe(seeded.filter((s) => s.status === 'FAILED').length);
    expect(failed.workflowExecutions.every((x) => x.status === 'FAILED' && x.error === 'Step notify: HTTP 500')).toBe(true);
    // Ten minutes, both ends included.
    const window = await list(`?afterDate=${new Date(BASE - 10 * MINUTE).toISOString()}&beforeDate=2026-11-01T11:59:00Z`);
    expect(window.workflowExecutions.map((x) => x.id)).toEqual(seeded.slice(1, 11).map((s) => s.id));
    expect((await list(`?afterDate=${BASE - 2 * MINUTE}`)).total).toBe(3);
    expect((await list('?beforeDate=2026-10-01')).total).toBe(0);
    for (const query of ['?userId=nobody', '?integration=pipedrive', `?workflowId=${randomUUID()}`, '?status=QUEUED']) {
      expect(await list(query), query).toEqual({ workflowExecutions: [], nextLink: null, total: 0 });
    }

    for (const query of ['?status=RUNNING', '?status=succeeded', '?afterDate=yesterday', '?beforeDate=2026-13-45', '?offset=-1', '?sortBy=up']) {
      const response = await th('GET', `/workflow-executions${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().code, query).toBe('VALIDATION_FAILED');
    }
    expect((await th('GET', '/workflow-executions?afterDate=yesterday')).json().message).toContain('afterDate');
  });

  it('shows one execution with its steps, a trigger entry first, and each step input and output', async () => {
    const run = await insertExecution('ada', s.sync.id, await integrationIdOf('salesforce'), {
      created_at: new Date(BASE - 5 * DAY).toISOString(),
      status: 'FAILED',
      response: JSON.stringify({ status: 200, body: { ok: true } }),
      task_count: 3,
    });
    const notify = await insertStep(run.id, 1, { step_id: 'notify', type: 'http', input: JSON.stringify({ url: 'https://app.example.com/hooks', headers: { authorization: '[REDACTED]' } }), output: JSON.stringify({ status: 200, body: { ok: 1 } }), input_size: 70, output_size: 28 });
    const big = await insertStep(run.id, 2, { step_id: 'big', type: 'condition', output: JSON.stringify({ result: false, branch: 'else' }), output_size: 30 });
    const lookup = await insertStep(run.id, 3, { step_id: 'lookup', type: 'integration_request', status: 'FAILED', error: 'HTTP 500 from the integration', input: '"{\\"path\\":\\"/contacts/7\\"…"', input_size: 300_000, is_large_input: 1, attempts: 3, ended_at: null });

    const response = await th('GET', `/workflow-executions/${run.id}`);
    expect(response.statusCode, response.body).toBe(200);
    const detail = response.json();
    expect(detail).toMatchObject({ id: run.id, userId: 'ada', workflowId: s.sync.id, status: 'FAILED', taskCount: 3, response: { status: 200, body: { ok: true } } });
    const trigger = `${run.id}.trigger`;
    expect(detail.stepExecutions).toEqual([
      { id: trigger, stepId: 'trigger', workflowExecutionId: run.id, status: 'SUCCEEDED', type: 'TRIGGER/APP_EVENT', start: run.created_at, end: run.created_at, next: [notify.id], prev: null, inputSize: 0, outputSize: run.trigger_input.length, attempts: 1, error: null },
      { id: notify.id, stepId: 'notify', workflowExecutionId: run.id, status: 'SUCCEEDED', type: 'ACTION/REQUEST', start: notify.started_at, end: notify.ended_at, next: [big.id], prev: trigger, inputSize: 70, outputSize: 28, attempts: 1, error: null },
      { id: big.id, stepId: 'big', workflowExecutionId: run.id, status: 'SUCCEEDED', type: 'CONTROL/CONDITION', start: big.started_at, end: big.ended_at, next: [lookup.id], prev: notify.id, inputSize: 0, outputSize: 30, attempts: 1, error: null },
      { id: lookup.id, stepId: 'lookup', workflowExecutionId: run.id, status: 'FAILED', type: 'ACTION/INTEGRATION_REQUEST', start: lookup.started_at, end: null, next: [], prev: big.id, inputSize: 300_000, outputSize: 0, attempts: 3, error: 'HTTP 500 from the integration' },
    ]);

    const step = async (id: string) => {
      const answer = await th('GET', `/workflow-executions/${run.id}/step-executions/${id}`);
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json();
    };
    expect(await step(notify.id)).toEqual({ isLargeInput: false, isLargeOutput: false, input: { url: 'https://app.example.com/hooks', headers: { authorization: '[REDACTED]' } }, output: { status: 200, body: { ok: 1 } } });
    expect(await step(lookup.id)).toEqual({ isLargeInput: true, isLargeOutput: false, input: '{"path":"/contacts/7"…', output: null });
    expect(await step(trigger)).toEqual({ isLargeInput: false, isLargeOutput: false, input: null, output: { event: { contact: { id: 7 } } } });

    const missingStep = await th('GET', `/workflow-executions/${run.id}/step-executions/${seeded[0]!.id}`);
    expect(missingStep.statusCode).toBe(404);
    expect(missingStep.json().code).toBe('STEP_EXECUTION_NOT_FOUND');
    // A step of another execution is not found through this one.
    const otherRun = await insertExecution('bob', s.hubspotFlow.id, await integrationIdOf('hubspot'), { created_at: new Date(BASE - 6 * DAY).toISOString() });
    const foreignStep = await insertStep(otherRun.id, 1, { step_id: 'x' });
    expect((await th('GET', `/workflow-executions/${run.id}/step-executions/${foreignStep.id}`)).json().code).toBe('STEP_EXECUTION_NOT_FOUND');
    for (const id of [randomUUID(), 'not-an-id']) {
      const missing = await th('GET', `/workflow-executions/${id}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('EXECUTION_NOT_FOUND');
    }
  });

  it("keeps executions to their project: another project's key sees none of them", async () => {
    const other = await s.portico.createProject();
    const id = seeded[0]!.id;
    // Through its own project path: not found, and its list is empty.
    for (const path of [`/workflow-executions/${id}`, `/workflow-executions/${id}/step-executions/${id}.trigger`]) {
      const response = await th('GET', path, other.apiKey, other.projectId);
      expect(response.statusCode, path).toBe(404);
      expect(response.json().code).toBe('EXECUTION_NOT_FOUND');
    }
    expect((await th('POST', `/workflow-executions/${id}/replay`, other.apiKey, other.projectId)).json().code).toBe('EXECUTION_NOT_FOUND');
    expect((await th('GET', '/workflow-executions', other.apiKey, other.projectId)).json()).toEqual({ workflowExecutions: [], nextLink: null, total: 0 });
    const admin = await s.portico.app.inject({ method: 'GET', url: `/api/v1/projects/${other.projectId}/executions`, headers: { authorization: `Bearer ${other.apiKey}` } });
    expect(admin.json()).toEqual({ data: [], nextCursor: null });
    // Through the victim's path: the key is not one of that project's.
    const foreign = await th('GET', `/workflow-executions/${id}`, other.apiKey);
    expect(foreign.statusCode).toBe(401);
    expect(foreign.json().code).toBe('API_KEY_INVALID');
  });

  it('needs task-history:read to read and workflows:write to replay', async () => {
    const usersOnly = await newKey(['users:read']);
    const reader = await newKey(['task-history:read']);
    const writer = await newKey(['workflows:write']);
    const id = seeded[0]!.id;
    for (const [method, path, key, required] of [
      ['GET', '/workflow-executions', usersOnly, 'task-history:read'],
      ['GET', `/workflow-executions/${id}`, writer, 'task-history:read'],
      ['GET', `/workflow-executions/${id}/step-executions/${id}.trigger`, usersOnly, 'task-history:read'],
      ['POST', `/workflow-executions/${id}/replay`, reader, 'workflows:write'],
    ] as const) {
      const response = await th(method, path, key);
      expect(response.statusCode, path).toBe(403);
      expect(response.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required } });
    }
    const admin = await s.portico.app.inject({ method: 'GET', url: `/api/v1/projects/${s.pid}/executions`, headers: { authorization: `Bearer ${usersOnly}` } });
    expect(admin.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required: 'task-history:read' } });
    expect((await th('GET', '/workflow-executions', reader)).statusCode).toBe(200);
    expect((await s.portico.app.inject({ method: 'GET', url: `/api/v1/projects/${s.pid}/executions?limit=1`, headers: { authorization: `Bearer ${reader}` } })).statusCode).toBe(200);
    const noKey = await s.portico.app.inject({ method: 'GET', url: `/projects/${s.pid}/task-history/workflow-executions` });
    expect(noKey.statusCode).toBe(401);
  });

  it('pages the Admin list by cursor, newest first, without duplicates or gaps, also while runs are added', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/executions?limit=13${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}&afterDate=${new Date(BASE - DAY).toISOString()}`;
      const response = await s.portico.admin('GET', query);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { data: Array<{ id: string; workflowName: string; userId: string; errorCode: string | null }>; nextCursor: string | null };
      if (pages === 0) {
        expect(page.data[0]).toMatchObject({ id: seeded[0]!.id, workflowName: 'Sync contacts', userId: 'ada', integration: 'salesforce', errorCode: null });
        // A newer run arriving between pages does not shift the next ones.
        await insertExecution('cy', s.sync.id, await integrationIdOf('salesforce'), { created_at: new Date(BASE + MINUTE).toISOString() });
      }
      seen.push(...page.data.map((x) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toEqual(seeded.map((s) => s.id));

    // Runs created in the same millisecond are ordered by id and still paged exactly once each.
    const sameInstant = new Date(BASE - 20 * DAY).toISOString();
    const twins: string[] = [];
    for (let i = 0; i < 5; i++) twins.push((await insertExecution('cy', s.deals.id, await integrationIdOf('salesforce'), { created_at: sameInstant })).id);
    const twinIds: string[] = [];
    let twinCursor: string | null = null;
    do {
      const page = (await s.portico.admin('GET', `/executions?userId=cy&beforeDate=${sameInstant}&limit=2${twinCursor ? `&cursor=${twinCursor}` : ''}`)).json() as { data: Array<{ id: string }>; nextCursor: string | null };
      twinIds.push(...page.data.map((x) => x.id));
      twinCursor = page.nextCursor;
    } while (twinCursor);
    expect(twinIds).toEqual([...twins].sort().reverse());

    for (const bad of ['garbage', Buffer.from('["x"]').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
      const response = await s.portico.admin('GET', `/executions?cursor=${bad}`);
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    for (const limit of ['0', '201', 'ten']) expect((await s.portico.admin('GET', `/executions?limit=${limit}`)).statusCode, limit).toBe(400);
    expect((await s.portico.admin('GET', '/executions?status=DONE')).json().code).toBe('VALIDATION_FAILED');
  });

  it("finds a user's executions by the Email in their metadata, ignoring case", async () => {
    const byEmail = async (email: string) => ((await s.portico.admin('GET', `/executions?limit=200&email=${encodeURIComponent(email)}`)).json() as { data: Array<{ userId: string }> }).data;
    const ada = await byEmail('ada.lovelace@EXAMPLE.com');
    expect(ada.length).toBeGreaterThanOrEqual(120);
    expect(new Set(ada.map((x) => x.userId))).toEqual(new Set(['ada']));
    expect((await byEmail('bob@example.com')).map((x) => x.userId)).toEqual(Array(8).fill('bob'));
    expect(await byEmail('nobody@example.com')).toEqual([]);
    // Email and userId together: both must hold.
    expect((await s.portico.admin('GET', '/executions?email=bob@example.com&userId=ada')).json()).toEqual({ data: [], nextCursor: null });
    expect(((await s.portico.admin('GET', '/executions?email=bob@example.com&userId=bob&status=FAILED')).json() as { data: unknown[] }).data).toHaveLength(2);
  });
});
