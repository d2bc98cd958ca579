import { describe, expect, it } from 'vitest';
import { STORES } from './harness.ts';
import { sleep, workflowsSuite } from './support/workflows-suite.ts';
import { transitionCredential } from '../src/domain/connections/index.ts';

/**
 * Workflows that run: definitions through the Admin API, App Events and Request triggers through
 * the Connect API, steps that call a real local HTTP server (standing for the app's own API and
 * for the integration's API, which checks the credential's token), and schedules. The gates are
 * in workflow-gating.test.ts.
 */
describe.each(STORES)('workflows (%s)', (kind) => {
  const s = workflowsSuite(kind);
  const { connectUser, define, executionsOf, finished } = s;

  it('refuses a bad definition with WORKFLOW_INVALID naming the field, and keeps nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ trigger: { type: 'webhook' } }, 'trigger.type', /must be one of "event", "request", "schedule", "integration_enabled"/],
      [{ trigger: { type: 'schedule', cron: '61 * * * *' } }, 'trigger.cron', /minute/],
      [{ trigger: { type: 'schedule', cron: '* * *' } }, 'trigger.cron', /5 .* or 6/],
      [{ trigger: { type: 'schedule', cron: '* * * * *', timezone: 'Mars/Olympus' } }, 'trigger.timezone', /IANA/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', method: 'POST', url: 'ftp://x' }] }, 'steps[0].url', /http or https/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', method: 'FETCH', url: 'https://x.test' }] }, 'steps[0].method', /must be one of/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', url: 'https://x.test' }] }, 'steps[0].method', /required/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', method: 'GET', url: 'https://x.test/{{steps.b.output.id}}' }, { id: 'b', type: 'http', method: 'GET', url: 'https://x.test' }] }, 'steps[0].url', /step "b", which does not run before/],
      [{ trigger: { type: 'request' }, steps: [{ id: 'a', type: 'http', method: 'GET', url: 'https://x.test/{{event.id}}' }] }, 'steps[0].url', /needs an App Event trigger/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', method: 'GET', url: 'https://x.test/{{secrets.x}}' }] }, 'steps[0].url', /variables start with one of/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'response', body: {} }] }, 'steps[0].type', /answers a Request trigger/],
      [{ trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'condition', if: { left: 1, op: 'gt', right: 0 }, then: [{ id: 'a', type: 'response' }] }] }, 'steps[0].then[0].id', /step ids must be unique/],
      [{ trigger: { type: 'event', event: 'X' }, permissions: [[{ key: 'Plan', op: 'resembles', value: 'pro' }]] }, 'permissions[0][0].op', /must be one of/],
    ];
    const before = (await s.portico.admin('GET', '/workflows')).json().data.length;
    for (const [body, field, message] of cases) {
      const response = await s.portico.admin('POST', '/workflows', { name: 'Bad', integration: s.acme.type, ...body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().code).toBe('WORKFLOW_INVALID');
      expect(response.json().meta.field, JSON.stringify(body)).toBe(field);
      expect(response.json().message).toMatch(message);
    }
    expect((await s.portico.admin('GET', '/workflows')).json().data).toHaveLength(before);
  });

  it('keeps a definition as written: get, patch (checked as a whole) and delete', async () => {
    const created = await define({ name: 'Round trip', trigger: { type: 'event', event: 'Ping' }, steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/hooks`, body: { a: '{{event.a}}' } }] });
    const read = (await s.portico.admin('GET', `/workflows/${created.id}`)).json();
    expect(read).toMatchObject({ name: 'Round trip', integration: s.acme.type, trigger: { type: 'event', event: 'Ping' }, steps: [{ id: 'n', type: 'http' }], permissions: [] });
    const patched = await s.portico.admin('PATCH', `/workflows/${created.id}`, { name: 'Renamed', trigger: { type: 'request' } });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().meta.field).toBe('steps[0].body.a');
    const renamed = await s.portico.admin('PATCH', `/workflows/${created.id}`, { name: 'Renamed' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', trigger: { type: 'event', event: 'Ping' } });
    expect((await s.portico.admin('DELETE', `/workflows/${created.id}`)).statusCode).toBe(204);
    expect((await s.portico.admin('GET', `/workflows/${created.id}`)).json().code).toBe('WORKFLOW_NOT_FOUND');
  });

  it("an App Event runs the user's enabled workflow: the app's API gets the user's apiKey, the integration's API the credential, a condition branches", async () => {
    const workflow = await define({
      name: 'New contact -> notify app',
      trigger: { type: 'event', event: 'Contact Created' },
      steps: [
        { id: 'notify', type: 'http', method: 'POST', url: `${s.api.url}/app/hooks/crm`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { email: '{{user.meta.Email}}', contact: '{{event.contact}}', count: '{{event.count}}' } },
        { id: 'lookup', type: 'integration_request', method: 'GET', path: '/contacts/{{event.contactId}}', query: { full: true } },
        {
          id: 'big', type: 'condition', if: { left: '{{event.count}}', op: 'gt', right: 1000 },
          then: [{ id: 'alert', type: 'http', method: 'POST', url: `${s.api.url}/app/alerts`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { path: '{{steps.lookup.output.path}}', zone: '{{user.meta.TimeZone | "UTC"}}' } }],
          else: [],
        },
      ],
    });
    await connectUser('ada', { Email: 'ada@example.com', apiKey: 'app-key-ada' }, 'acme-token-ada');
    expect((await s.portico.connect('ada', 'POST', `/sdk/workflows/${workflow.id}`)).statusCode).toBe(200);
    const mark = s.api.seen.length;

    const sent = await s.portico.connect('ada', 'POST', '/sdk/events/trigger', { name: 'Contact Created', payload: { contact: { name: 'Grace' }, contactId: 'c-42', count: 5000 } });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().executionIds).toHaveLength(1);
    const [run] = await finished(workflow.id);
    expect(run!.status, run!.error ?? '').toBe('SUCCEEDED');

    const seen = s.api.since(mark);
    const notify = seen.find((r) => r.url === '/app/hooks/crm')!;
    expect(notify.headers.authorization).toBe('Bearer app-key-ada');
    expect(JSON.parse(notify.body)).toEqual({ email: 'ada@example.com', contact: { name: 'Grace' }, count: 5000 });
    const lookup = seen.find((r) => r.url.startsWith('/acme/v2/contacts/c-42'))!;
    expect(lookup.url).toBe('/acme/v2/contacts/c-42?full=true');
    expect(lookup.headers.authorization).toBe('Bearer acme-token-ada');
    const alert = seen.find((r) => r.url === '/app/alerts')!;
    expect(JSON.parse(alert.body)).toEqual({ path: '/acme/v2/contacts/c-42', zone: 'UTC' });

    const steps = await s.portico.store.db.selectFrom('workflow_step_executions').selectAll().where('execution_id', '=', run!.id).orderBy('seq').execute();
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([['notify', 'SUCCEEDED'], ['lookup', 'SUCCEEDED'], ['big', 'SUCCEEDED'], ['alert', 'SUCCEEDED']]);
    expect(steps[0]!.input).toContain('[redacted]');
    expect(steps[0]!.input).not.toContain('app-key-ada');

    // The same run through Paragon's Task History API.
    const history = await s.portico.app.inject({
      method: 'GET',
      url: `/projects/${s.portico.project.projectId}/task-history/workflow-executions/${run!.id}`,
      headers: { authorization: `Bearer ${s.portico.project.apiKey}` },
    });
    expect(history.statusCode, history.body).toBe(200);
    const detail = history.json();
    expect(detail).toMatchObject({ id: run!.id, userId: 'ada', workflowId: workflow.id, status: 'SUCCEEDED' });
    expect(detail.stepExecutions.map((s: { stepId: string }) => s.stepId).slice(-4)).toEqual(['notify', 'lookup', 'big', 'alert']);
    const lookupStep = detail.stepExecutions.find((s: { stepId: string }) => s.stepId === 'lookup');
    const io = await s.portico.app.inject({
      method: 'GET',
      url: `/projects/${s.portico.project.projectId}/task-history/workflow-executions/${run!.id}/step-executions/${lookupStep.id}`,
      headers: { authorization: `Bearer ${s.portico.project.apiKey}` },
    });
    expect(io.json()).toMatchObject({ isLargeInput: false, isLargeOutput: false, input: { method: 'GET', path: '/contacts/c-42?full=true' }, output: { path: '/acme/v2/contacts/c-42' } });

    // A small count takes the else branch: no alert.
    const before = s.api.seen.length;
    await s.portico.connect('ada', 'POST', '/sdk/events/trigger', { name: 'Contact Created', payload: { contact: 'x', contactId: 'c-1', count: 3 } });
    await finished(workflow.id, 2);
    expect(s.api.since(before).map((r) => r.url).filter((u) => u === '/app/alerts')).toEqual([]);
  });

  it('the same App Event path under /v2 (what the SDK sends); an event nobody listens to is accepted with no run', async () => {
    const response = await s.portico.app.inject({
      method: 'POST',
      url: `/v2/projects/${s.portico.project.projectId}/sdk/events/trigger`,
      headers: { authorization: `Bearer ${await s.portico.token('ada')}` },
      payload: { name: 'Nobody Listens', payload: {} },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({ executionIds: [] });
    const bad = await s.portico.connect('ada', 'POST', '/sdk/events/trigger', { payload: {} });
    expect(bad.statusCode).toBe(400);
  });

  it('a Request trigger answers with its Response step, 202 without one, and 542 when the run is too slow', async () => {
    const answering = await define({
      name: 'Lookup on request', trigger: { type: 'request' },
      steps: [
        { id: 'lookup', type: 'integration_request', method: 'GET', path: '/contacts/{{request.body.id}}' },
        { id: 'reply', type: 'response', status: 200, body: { ok: true, path: '{{steps.lookup.output.path}}', q: '{{request.query.q}}' } },
      ],
    });
    const fireAndForget = await define({ name: 'Queue on request', trigger: { type: 'request' }, steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/app/queued`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: '{{request.body}}' }] });
    const slow = await define({ name: 'Slow on request', trigger: { type: 'request' }, steps: [{ id: 's', type: 'integration_request', method: 'GET', path: '/slow?ms=3000' }, { id: 'r', type: 'response', body: {} }] });
    await connectUser('cy', { apiKey: 'app-key-cy' }, 'acme-token-cy');
    for (const w of [answering, fireAndForget, slow]) expect((await s.portico.connect('cy', 'POST', `/sdk/workflows/${w.id}`)).statusCode).toBe(200);

    const answered = await s.portico.connect('cy', 'POST', `/sdk/triggers/${answering.id}?q=hello`, { id: 'c-9' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json()).toEqual({ ok: true, path: '/acme/v2/contacts/c-9', q: 'hello' });

    const queued = await s.portico.connect('cy', 'POST', `/sdk/triggers/${fireAndForget.id}`, { n: 1 });
    expect(queued.statusCode, queued.body).toBe(202);
    await finished(fireAndForget.id);
    expect(JSON.parse(s.api.seen.find((r) => r.url === '/app/queued')!.body)).toEqual({ n: 1 });

    const late = await s.portico.connect('cy', 'POST', `/sdk/triggers/${slow.id}`, {});
    expect(late.statusCode, late.body).toBe(542);
    expect(late.json()).toMatchObject({ message: 'Workflow has been enqueued but has not completed.', workflowId: slow.id, projectId: s.portico.project.projectId });
    expect(late.json().executionId).toEqual(expect.any(String));

    const wrong = await s.portico.connect('cy', 'POST', `/sdk/triggers/${(await define({ name: 'Evented', trigger: { type: 'event', event: 'E' } })).id}`, {});
    expect(wrong.json().code).toBe('WORKFLOW_TRIGGER_MISMATCH');
    const notEnabled = await define({ name: 'Off', trigger: { type: 'request' } });
    expect((await s.portico.connect('cy', 'POST', `/sdk/triggers/${notEnabled.id}`, {})).json().code).toBe('WORKFLOW_NOT_ENABLED');
  });

  it('a failing step fails the run with its error; a missing variable without a default names it', async () => {
    const failing = await define({ name: 'Fails', trigger: { type: 'event', event: 'Fail' }, steps: [{ id: 'missing', type: 'integration_request', method: 'GET', path: '/missing' }] });
    const unnamed = await define({ name: 'Needs meta', trigger: { type: 'event', event: 'Fail' }, steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/app/x`, body: { tz: '{{user.meta.TimeZone}}' } }] });
    await connectUser('dee', {}, 'acme-token-dee');
    for (const w of [failing, unnamed]) await s.portico.connect('dee', 'POST', `/sdk/workflows/${w.id}`);
    await s.portico.connect('dee', 'POST', '/sdk/events/trigger', { name: 'Fail' });
    const [a] = await finished(failing.id);
    expect(a!.status).toBe('FAILED');
    expect(a!.error).toMatch(/Step "missing" failed: .*HTTP 404/);
    const [b] = await finished(unnamed.id);
    expect(b!.status).toBe('FAILED');
    expect(b!.error).toMatch(/\{\{user\.meta\.TimeZone\}\} has no value/);
  });

  it('Integration Enabled runs once per configuration right after the user connects; /metrics counts runs', async () => {
    const welcome = await define({ name: 'Welcome', trigger: { type: 'integration_enabled' }, steps: [{ id: 'hello', type: 'http', method: 'POST', url: `${s.api.url}/app/welcome`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { user: '{{user.id}}', account: '{{credential.providerId}}' } }] });
    await connectUser('gus', { apiKey: 'app-key-gus' }, 'acme-token-gus');
    const [run] = await finished(welcome.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', end_user_id: 'gus', trigger_type: 'integration_enabled' });
    expect(s.api.seen.filter((r) => r.url === '/app/welcome').map((r) => JSON.parse(r.body))).toEqual([{ user: 'gus', account: 'acct-gus' }]);
    // Changing the user's metadata or enabling other workflows does not run it again.
    await s.portico.connect('gus', 'PATCH', '/sdk/me', { meta: { x: 1 } });
    await sleep(500);
    expect(await executionsOf(welcome.id)).toHaveLength(1);

    const metrics = await s.portico.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/portico_workflow_runs_finished_total\{status="SUCCEEDED"\} [1-9]/);
    expect(metrics.body).toMatch(/portico_workflow_runs_started_total\{trigger="integration_enabled"\} [1-9]/);
    expect(metrics.body).toMatch(/portico_workflow_step_duration_seconds_count\{type="http",outcome="SUCCEEDED"\} [1-9]/);
    expect(metrics.body).toContain('portico_workflow_runs_queued');
  });

  it('an INVALID credential pauses its runs (no calls, no retries) and they go on, as the same executions, once it recovers', async () => {
    const synced = await define({ name: 'Sync', trigger: { type: 'event', event: 'Sync' }, steps: [{ id: 'fetch', type: 'integration_request', method: 'GET', path: '/contacts/{{event.id}}' }] });
    const credentialId = await connectUser('fay', {}, 'acme-token-fay');
    expect((await s.portico.connect('fay', 'POST', `/sdk/workflows/${synced.id}`)).statusCode).toBe(200);
    // What the token refresher does when the provider refuses the refresh token.
    const setStatus = (from: 'VALID' | 'INVALID', to: 'VALID' | 'INVALID') => s.portico.ctx.events.transaction((trx) => transitionCredential(trx, s.portico.ctx, {
      credentialId, projectId: s.portico.project.projectId, userSub: 'fay', integrationId: s.acme.id, integrationType: s.acme.type, from,
    }, { to, reason: to === 'INVALID' ? 'The provider refused the refresh token (invalid_grant).' : 'Reconnected.', at: new Date().toISOString() }));
    await setStatus('VALID', 'INVALID');
    const mark = s.api.seen.length;
    const sent = await s.portico.connect('fay', 'POST', '/sdk/events/trigger', { name: 'Sync', payload: { id: 'p-1' } });
    const [executionId] = sent.json().executionIds as string[];
    await sleep(1000);
    const paused = await executionsOf(synced.id);
    expect(paused.map((r) => [r.id, r.status])).toEqual([[executionId, 'DELAYED']]);
    expect(s.api.since(mark).filter((r) => r.url.includes('/contacts/p-1'))).toEqual([]);
    const jobs = await s.portico.ctx.jobs.list({ name: 's.portico.workflows.run', limit: 1000 });
    expect(jobs.filter((j) => JSON.stringify(j.payload).includes(executionId!))).toEqual([]);

    await setStatus('INVALID', 'VALID');
    const [resumed] = await finished(synced.id);
    expect(resumed).toMatchObject({ id: executionId, status: 'SUCCEEDED' });
    expect(s.api.since(mark).filter((r) => r.url === '/acme/v2/contacts/p-1')).toHaveLength(1);
  });

  it('a 6-field cron schedule ticks for each user who enabled it, and stops when they disable it', async () => {
    const scheduled = await define({ name: 'Every 2 s', trigger: { type: 'schedule', cron: '*/2 * * * * *' }, steps: [{ id: 'ping', type: 'http', method: 'POST', url: `${s.api.url}/app/tick`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { user: '{{user.id}}' } }] });
    await connectUser('eve', { apiKey: 'app-key-eve' }, 'acme-token-eve');
    expect((await s.portico.connect('eve', 'POST', `/sdk/workflows/${scheduled.id}`)).statusCode).toBe(200);
    await finished(scheduled.id, 2);
    const ticks = s.api.seen.filter((r) => r.url === '/app/tick').map((r) => JSON.parse(r.body).user);
    expect(ticks.every((u) => u === 'eve')).toBe(true);
    expect((await s.portico.connect('eve', 'DELETE', `/sdk/workflows/${scheduled.id}`)).statusCode).toBe(200);
    await sleep(2500);
    const settled = (await executionsOf(scheduled.id)).length;
    await sleep(4500);
    expect((await executionsOf(scheduled.id)).length, 'no tick after the workflow was disabled').toBe(settled);
    // One run per tick: no two executions share a scheduled moment.
    const moments = (await executionsOf(scheduled.id)).map((r) => JSON.parse(r.trigger_input).event.scheduledAt);
    expect(new Set(moments).size).toBe(moments.length);
  }, 60_000);
});
