import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { STORES } from './harness.ts';
import { sleep, until, workflowsSuite } from './support/workflows-suite.ts';
import { GATE_JOB } from '../src/domain/workflows/index.ts';

/**
 * Workflow gating: what keeps a workflow from running for a user (not enabled, Workflow
 * Permissions their metadata does not meet, a disabled user), and the re-check a metadata change
 * queues, which must not undo an enable that came after the change.
 */
describe.each(STORES)('workflow gating (%s)', (kind) => {
  const s = workflowsSuite(kind);
  const { connectUser, define, finished } = s;

  it('a metadata change where no workflow has permissions hands the workflows nothing to do', async () => {
    const guarded = (await s.portico.admin('GET', '/workflows')).json().data.filter((w: { permissions: unknown[] }) => w.permissions.length > 0);
    expect(guarded).toEqual([]);
    await s.portico.connect('carol', 'PATCH', '/sdk/me', { meta: { Plan: 'free' } });
    // The outbox and the job table belong to the platform, outside the domain's table types.
    const db = s.portico.store.db as unknown as Kysely<any>;
    const { last } = await db.selectFrom('events').select((eb) => eb.fn.max('sequence').as('last')).executeTakeFirstOrThrow();
    await until('the gating consumer passed the change', async () => {
      const cursor = await db.selectFrom('event_cursors').select('last_sequence').where('consumer', '=', 'workflows.gating').executeTakeFirst();
      return cursor !== undefined && Number(cursor.last_sequence) >= Number(last);
    });
    const gates = await db.selectFrom('jobs').select('payload').where('name', '=', 's.portico.workflows.gate').execute();
    expect(gates.map((g) => (typeof g.payload === 'string' ? g.payload : JSON.stringify(g.payload))).filter((p) => p.includes('user.metadata.updated'))).toEqual([]);
  });

  it('gates: a workflow the user has not enabled, one their metadata is not permitted, and a disabled user start nothing', async () => {
    const gated = await define({
      name: 'Pro only', trigger: { type: 'event', event: 'Gate' }, permissions: [[{ key: 'Plan', op: 'equals', value: 'pro' }]],
      steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/app/gated`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: {} }],
    });
    await connectUser('bob', { Plan: 'free', apiKey: 'app-key-bob' }, 'acme-token-bob');
    // Not enabled yet: nothing runs.
    expect((await s.portico.connect('bob', 'POST', '/sdk/events/trigger', { name: 'Gate' })).json().executionIds).toEqual([]);
    // Enabled, but the permissions exclude a free plan.
    expect((await s.portico.connect('bob', 'POST', `/sdk/workflows/${gated.id}`)).statusCode).toBe(200);
    expect((await s.portico.connect('bob', 'POST', '/sdk/events/trigger', { name: 'Gate' })).json().executionIds).toEqual([]);
    // On the pro plan it runs.
    await s.portico.connect('bob', 'PATCH', '/sdk/me', { meta: { Plan: 'pro' } });
    expect((await s.portico.connect('bob', 'POST', '/sdk/events/trigger', { name: 'Gate' })).json().executionIds).toHaveLength(1);
    await finished(gated.id);
    // Back to free: the permissions are re-evaluated and the enabled workflow is switched off.
    await s.portico.connect('bob', 'PATCH', '/sdk/me', { meta: { Plan: 'free' } });
    await until('the workflow switched off', async () => {
      const me = (await s.portico.connect('bob', 'GET', '/sdk/me')).json();
      return me.integrations[s.acme.type].workflowSettings[gated.id]?.enabled === false;
    });
    // A disabled user's events are refused.
    await s.portico.connect('bob', 'PATCH', '/sdk/me', { meta: { Plan: 'pro' } });
    expect((await s.portico.admin('PATCH', '/users/bob', { active: false })).statusCode).toBe(200);
    expect((await s.portico.connect('bob', 'POST', '/sdk/events/trigger', { name: 'Gate' })).json().code).toBe('USER_DISABLED');
    await s.portico.admin('PATCH', '/users/bob', { active: true });
  });

  it('a late re-check of a metadata change leaves alone a workflow enabled after that change', async () => {
    const guarded = await define({
      name: 'Pro reports', trigger: { type: 'event', event: 'Report' }, permissions: [[{ key: 'Plan', op: 'equals', value: 'pro' }]],
      steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/app/reports`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: {} }],
    });
    await connectUser('dee', { Plan: 'free', apiKey: 'app-key-dee' }, 'acme-token-dee');
    const changedAt = new Date().toISOString();
    await sleep(5);
    expect((await s.portico.connect('dee', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    const enabled = async () => (await s.portico.connect('dee', 'GET', '/sdk/me')).json().integrations[s.acme.type].workflowSettings[guarded.id]?.enabled;
    // The re-check of a change made before the enable runs now (as a busy queue would run it).
    const recheck = async (at: string) => {
      const { id: jobId } = await s.portico.ctx.jobs.enqueue(GATE_JOB, { id: `late-${at}`, type: 'user.metadata.updated', projectId: s.portico.project.projectId, userId: 'dee', data: {}, at });
      const db = s.portico.store.db as unknown as Kysely<any>;
      await until('the re-check ran', async () => (await db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirst())?.state === 'succeeded');
    };
    await recheck(changedAt);
    expect(await enabled()).toBe(true);
    // On the pro plan it runs.
    await s.portico.connect('dee', 'PATCH', '/sdk/me', { meta: { Plan: 'pro' } });
    expect((await s.portico.connect('dee', 'POST', '/sdk/events/trigger', { name: 'Report' })).json().executionIds).toHaveLength(1);
    await finished(guarded.id);
    // A re-check of a change after the enable does switch it off.
    await s.portico.connect('dee', 'PATCH', '/sdk/me', { meta: { Plan: 'free' } });
    await until('the workflow switched off', async () => (await enabled()) === false);
    expect((await s.portico.connect('dee', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    await sleep(5);
    await recheck(new Date().toISOString());
    expect(await enabled()).toBe(false);
  });

  it('a late re-check switches off a workflow enabled before the change even when its settings were saved since', async () => {
    const guarded = await define({
      name: 'Pro digests', trigger: { type: 'event', event: 'Digest' }, permissions: [[{ key: 'Plan', op: 'equals', value: 'pro' }]],
      steps: [{ id: 'n', type: 'http', method: 'POST', url: `${s.api.url}/app/digests`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: {} }],
    });
    const credentialId = await connectUser('eve', { Plan: 'free', apiKey: 'app-key-eve' }, 'acme-token-eve');
    expect((await s.portico.connect('eve', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    const settingsOf = async () => (await s.portico.connect('eve', 'GET', '/sdk/me')).json().integrations[s.acme.type].workflowSettings[guarded.id];
    const db = s.portico.store.db as unknown as Kysely<any>;
    const recheck = async (at: string) => {
      const { id: jobId } = await s.portico.ctx.jobs.enqueue(GATE_JOB, { id: `late-eve-${at}`, type: 'user.metadata.updated', projectId: s.portico.project.projectId, userId: 'eve', data: {}, at });
      await until('the re-check ran', async () => (await db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirst())?.state === 'succeeded');
    };
    const save = async (every: string) => {
      const response = await s.portico.connect('eve', 'PATCH', `/sdk/credentials/${credentialId}`, { config: { workflowSettings: { [guarded.id]: { enabled: true, settings: { every } } } } });
      expect(response.statusCode, response.body).toBe(200);
    };
    await sleep(5);
    const changedAt = new Date().toISOString();
    await sleep(5);
    // A settings save after the change: the workflow stays enabled, only its settings change.
    await save('day');
    expect(await settingsOf()).toMatchObject({ enabled: true, settings: { every: 'day' } });
    await recheck(changedAt);
    // Enabled before the change, not permitted by it: switched off, settings kept.
    expect(await settingsOf()).toMatchObject({ enabled: false, settings: { every: 'day' } });

    // A state row from before `enabled_at` existed (null): its last save stands for its last switch.
    expect((await s.portico.connect('eve', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    await db.updateTable('workflow_states').set({ enabled_at: null }).where('workflow_id', '=', guarded.id).execute();
    await sleep(5);
    const changedAgainAt = new Date().toISOString();
    await sleep(5);
    await save('week');
    await recheck(changedAgainAt);
    expect(await settingsOf()).toMatchObject({ enabled: false, settings: { every: 'week' } });

    // Asking for the workflow on after the change counts as switching it, even if it was on already.
    expect((await s.portico.connect('eve', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    await sleep(5);
    const changedLastAt = new Date().toISOString();
    await sleep(5);
    expect((await s.portico.connect('eve', 'POST', `/sdk/workflows/${guarded.id}`)).statusCode).toBe(200);
    await recheck(changedLastAt);
    expect(await settingsOf()).toMatchObject({ enabled: true });
  });
});
