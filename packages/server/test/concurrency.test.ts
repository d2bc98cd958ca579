import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';

/** Rounds of the mixed install/uninstall storm; each round fires about 40 requests at once. */
const ROUNDS = Number(process.env.PORTICO_CONCURRENCY_ROUNDS ?? 6);

describe.each(STORES)('concurrent writes (%s)', (kind) => {
  let portico: Portico;
  let workflows: { on: string; off: string };

  beforeAll(async () => {
    portico = await startPortico(kind);
    const seeded = await seedSalesforce(portico, 'seed-user');
    workflows = { on: seeded.onByDefault.id, off: seeded.offByDefault.id };
  });
  afterAll(() => portico.close());

  for (const existing of [true, false]) {
    it(`keeps all 50 keys of 50 concurrent PATCH /sdk/me to one ${existing ? 'existing' : 'new'} user`, async () => {
      const sub = `patched-${existing ? 'old' : 'new'}`;
      if (existing) await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { seed: true } });
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => portico.connect(sub, 'PATCH', '/sdk/me', { meta: { [`key${i}`]: i } })));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      const meta = (await portico.admin('GET', `/users/${sub}`)).json().meta as Record<string, number>;
      for (let i = 0; i < 50; i++) expect(meta[`key${i}`], `key${i}`).toBe(i);
    });
  }

  it('answers each of 40 concurrent PATCH /sdk/me of one user with the metadata its own patch left, and fails only the patch that is too large', async () => {
    const sub = 'patched-in-turn';
    await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { counter: -1 } });
    const big = 'x'.repeat(40 * 1024);
    const requests = Array.from({ length: 40 }, (_, i) =>
      portico.connect(sub, 'PATCH', '/sdk/me', { meta: i === 20 ? { big1: big, big2: big } : { counter: i, [`k${i}`]: true } }),
    );
    const responses = await Promise.all(requests);
    responses.forEach((response, i) => {
      if (i === 20) {
        expect(response.statusCode).toBe(413);
        expect(response.json().code).toBe('METADATA_TOO_LARGE');
        return;
      }
      expect(response.statusCode, response.body).toBe(200);
      const meta = response.json().meta as Record<string, unknown>;
      // Whatever order the patches landed in, the answer shows this patch applied, not a later one's counter.
      expect(meta.counter).toBe(i);
      expect(meta[`k${i}`]).toBe(true);
    });
    const meta = (await portico.admin('GET', `/users/${sub}`)).json().meta as Record<string, unknown>;
    for (let i = 0; i < 40; i++) if (i !== 20) expect(meta[`k${i}`], `k${i}`).toBe(true);
    expect(meta.big1).toBeUndefined();
    const events = await portico.store.db
      .withTables<{ events: { type: string; user_id: string | null } }>()
      .selectFrom('events')
      .select('type')
      .where('user_id', '=', sub)
      .where('type', '=', 'user.metadata.updated')
      .execute();
    expect(events).toHaveLength(40);
  });

  it('leaves a consistent state after concurrent installs, uninstalls, workflow toggles and settings changes of one integration', async () => {
    const sub = 'stormy';
    const created = new Set<string>();
    const deleted = new Set<string>();
    const statuses: Record<number, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const known = [...created].filter((id) => !deleted.has(id));
      const ops: Array<Promise<void>> = [];
      const run = (kindOfOp: string, request: Promise<{ statusCode: number; json: () => unknown; body: string }>) =>
        ops.push(request.then((response) => {
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
          expect(response.statusCode, `${kindOfOp}: ${response.body}`).toBeLessThan(500);
          const body = response.json() as { id?: string; deletedCredentialIds?: string[] };
          if (kindOfOp === 'install' && response.statusCode === 201) created.add(body.id!);
          if (kindOfOp === 'uninstall' && response.statusCode === 200) for (const id of body.deletedCredentialIds!) deleted.add(id);
        }));
      for (let i = 0; i < 10; i++) run('install', portico.admin('POST', `/users/${sub}/credentials`, { integration: 'salesforce', accessToken: `t-${round}-${i}` }));
      for (let i = 0; i < 6; i++) run('uninstall', portico.connect(sub, 'DELETE', '/sdk/integrations/salesforce', undefined, known[i] ? { 'x-paragon-credential': known[i]! } : {}));
      for (let i = 0; i < 8; i++) {
        const headers: Record<string, string> = known[i] ? { 'x-paragon-credential': known[i]! } : {};
        run('toggle', portico.connect(sub, i % 2 ? 'DELETE' : 'POST', `/sdk/workflows/${i % 4 < 2 ? workflows.on : workflows.off}`, undefined, headers));
      }
      for (let i = 0; i < 8; i++) {
        const id = known[i] ?? created.values().next().value ?? 'none';
        run('settings', portico.connect(sub, 'PATCH', `/sdk/credentials/${id}`, { config: { sharedSettings: { round, i }, workflowSettings: { [workflows.on]: { enabled: i % 2 === 0 } } } }));
      }
      await Promise.all(ops);
    }

    const db = portico.store.db;
    const user = await db.selectFrom('connected_users').select('id').where('external_id', '=', sub).executeTakeFirstOrThrow();
    const remaining = (await db.selectFrom('credentials').select('id').where('user_id', '=', user.id).execute()).map((r) => r.id);
    // Every credential still there was created by an acknowledged install and not reported deleted...
    for (const id of remaining) {
      expect(created.has(id), `credential ${id} appeared from nowhere`).toBe(true);
      expect(deleted.has(id), `credential ${id} was reported deleted but exists`).toBe(false);
    }
    // ...and every acknowledged install is either still there or was reported deleted.
    for (const id of created) expect(remaining.includes(id) || deleted.has(id), `credential ${id} vanished`).toBe(true);
    // Each credential keeps exactly one default configuration; no setting survives its credential.
    const configs = await db.selectFrom('credential_configs').select(['credential_id', 'is_default']).where('user_id', '=', user.id).execute();
    for (const id of remaining) expect(configs.filter((c) => c.credential_id === id && c.is_default === 1), id).toHaveLength(1);
    expect(configs.every((c) => remaining.includes(c.credential_id))).toBe(true);
    const states = await db.selectFrom('workflow_states').select('config_id').where('user_id', '=', user.id).execute();
    const configIds = new Set((await db.selectFrom('credential_configs').select('id').where('user_id', '=', user.id).execute()).map((c) => c.id));
    expect(states.every((s) => configIds.has(s.config_id))).toBe(true);
    // What the SDK sees agrees with the rows.
    const me = (await portico.connect(sub, 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce.allCredentials.map((c: { id: string }) => c.id).sort()).toEqual([...remaining].sort());
    expect(created.size).toBeGreaterThan(0);
    expect(deleted.size).toBeGreaterThan(0);
    console.info(`concurrency (${kind}): ${ROUNDS} rounds, ${created.size} installs, ${deleted.size} uninstalled, ${remaining.length} left; statuses ${JSON.stringify(statuses)}`);
  });
});
