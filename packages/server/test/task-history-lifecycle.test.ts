import { describe, expect, it } from 'vitest';
import { EXECUTION_RETENTION_JOB, RUN_JOB } from '../src/domain/workflows/index.ts';
import { STORES } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { BASE, DAY, taskHistorySuite } from './support/task-history-suite.ts';

/** What happens to executions after they ran: replays through the Task History API, and retention. */
describe.each(STORES)('Task History replays and retention (%s)', (kind) => {
  const s = taskHistorySuite(kind);
  const { seeded, th, insertExecution, insertStep, integrationIdOf } = s;

  it('replays a finished execution as a new queued one, queued for the engine in the same transaction', async () => {
    const original = seeded.find((s) => s.status === 'FAILED')!;
    const response = await th('POST', `/workflow-executions/${original.id}/replay`);
    expect(response.statusCode, response.body).toBe(201);
    const replay = response.json();
    expect(replay).toEqual({ id: expect.any(String), userId: 'ada', workflowId: original.workflowId, status: 'QUEUED', dateStarted: expect.any(String) });
    expect(replay.id).not.toBe(original.id);

    const [before, after] = await Promise.all([
      s.portico.store.db.selectFrom('workflow_executions').selectAll().where('id', '=', original.id).executeTakeFirstOrThrow(),
      s.portico.store.db.selectFrom('workflow_executions').selectAll().where('id', '=', replay.id).executeTakeFirstOrThrow(),
    ]);
    expect(after).toMatchObject({
      project_id: s.pid, workflow_id: before.workflow_id, user_id: before.user_id, end_user_id: 'ada', integration_id: before.integration_id,
      credential_id: before.credential_id, config_id: before.config_id, trigger_type: before.trigger_type, trigger_input: before.trigger_input,
      status: 'QUEUED', replay_of: original.id, error: null, response: null, started_at: null, ended_at: null,
    });
    const jobs = await s.portico.ctx.jobs.list({ name: RUN_JOB });
    expect(jobs.filter((job) => (job.payload as { executionId: string }).executionId === replay.id)).toHaveLength(1);

    const shown = (await th('GET', `/workflow-executions/${replay.id}`)).json();
    expect(shown).toMatchObject({ id: replay.id, status: 'QUEUED', replayOf: original.id, dateEnded: null, runDuration: null, stepExecutions: [{ type: 'TRIGGER/APP_EVENT' }] });
    const events = (await s.portico.admin('GET', '/events?type=execution.replayed')).json() as { data: Array<{ userId: string; changes: Record<string, unknown>; actor: { kind: string } }> };
    expect(events.data[0]).toMatchObject({ userId: 'ada', actor: { kind: 'api_key' }, changes: { executionId: replay.id, replayOf: original.id } });

    // Only finished runs replay.
    for (const status of ['QUEUED', 'EXECUTING', 'DELAYED'] as const) {
      const running = await insertExecution('bob', s.hubspotFlow.id, await integrationIdOf('hubspot'), { status, created_at: new Date(BASE - 30 * DAY).toISOString() });
      const refused = await th('POST', `/workflow-executions/${running.id}/replay`);
      expect(refused.statusCode, status).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'EXECUTION_NOT_FINISHED', meta: { status } });
    }
  });

  it('deletes finished executions past the retention period, with their steps, through the scheduled job', async () => {
    const old = new Date(Date.now() - 91 * DAY).toISOString();
    const recent = new Date(Date.now() - 89 * DAY).toISOString();
    const integrationId = await integrationIdOf('salesforce');
    const expired = await Promise.all(['SUCCEEDED', 'FAILED', 'CANCELLED'].map((status) => insertExecution('cy', s.sync.id, integrationId, { status: status as 'SUCCEEDED', created_at: old })));
    const expiredStep = await insertStep(expired[0]!.id, 1, { step_id: 'notify' });
    const stillRunning = await insertExecution('cy', s.sync.id, integrationId, { status: 'EXECUTING', created_at: old });
    const kept = await insertExecution('cy', s.sync.id, integrationId, { created_at: recent });
    const count = async () => (await s.portico.store.db.selectFrom('workflow_executions').select('id').execute()).length;
    const total = await count();

    await s.portico.ctx.jobs.start();
    const job = await s.portico.ctx.jobs.enqueue(EXECUTION_RETENTION_JOB, {});
    await waitFor('the retention job', async () => (await s.portico.ctx.jobs.get(job.id))?.state === 'succeeded');

    const left = new Set((await s.portico.store.db.selectFrom('workflow_executions').select('id').execute()).map((r) => r.id));
    for (const row of expired) expect(left.has(row.id)).toBe(false);
    expect(left.has(stillRunning.id)).toBe(true);
    expect(left.has(kept.id)).toBe(true);
    expect(await count()).toBe(total - 3);
    expect(await s.portico.store.db.selectFrom('workflow_step_executions').select('id').where('id', '=', expiredStep.id).execute()).toEqual([]);
    expect((await th('GET', `/workflow-executions/${expired[0]!.id}`)).json().code).toBe('EXECUTION_NOT_FOUND');
  });
});
