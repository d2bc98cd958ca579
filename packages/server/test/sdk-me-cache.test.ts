import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openAppStore as openStore } from '../src/domain/database.ts';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { buildSdkMe, findUser } from '../src/domain/users/index.ts';

/** GET /sdk/me may be served from a per-node cache (SQLite); a user must never see it lag behind a change. */
describe.each(STORES)('GET /sdk/me after changes (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    // A project state that outlives the clock jumps below, so only the user's own data decides.
    portico = await startPortico(kind, { config: { PORTICO_PROJECT_CACHE_TTL_MS: '3600000' } });
  });
  afterAll(() => portico.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const me = async (sub: string) => {
    const response = await portico.connect(sub, 'GET', '/sdk/me');
    expect(response.statusCode).toBe(200);
    return response;
  };
  /** The user exists and their answer has been served once since (what a cache would hold). */
  const primed = async (sub: string) => {
    await me(sub);
    return me(sub);
  };

  it('answers a repeated call with the same bytes and content type', async () => {
    await seedSalesforce(portico, 'repeat');
    const first = await me('repeat');
    const second = await me('repeat');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.json()).toMatchObject({ authenticated: true, userId: 'repeat' });
  });

  it('shows metadata patched a moment before', async () => {
    await primed('patcher');
    await portico.connect('patcher', 'PATCH', '/sdk/me', { meta: { plan: 'gold' } });
    expect((await me('patcher')).json().meta).toEqual({ plan: 'gold' });
  });

  it('shows a credential imported and an integration uninstalled a moment before', async () => {
    await primed('installer');
    await portico.admin('POST', '/users/installer/credentials', { integration: 'salesforce', accessToken: 'token' });
    expect((await me('installer')).json().integrations.salesforce.enabled).toBe(true);
    await me('installer');
    expect((await portico.connect('installer', 'DELETE', '/sdk/integrations/salesforce')).statusCode).toBe(200);
    expect((await me('installer')).json().integrations.salesforce).toEqual({ enabled: false, allCredentials: [] });
  });

  it('shows workflow enablement and shared settings changed a moment before', async () => {
    await portico.admin('POST', '/integrations', { type: 'salesforce' });
    const offByDefault = (await portico.admin('POST', '/workflows', { name: 'Later', integration: 'salesforce', defaultEnabled: false })).json();
    const credential = (await portico.admin('POST', '/users/settings/credentials', { integration: 'salesforce', accessToken: 'token' })).json();
    await primed('settings');
    expect((await portico.connect('settings', 'POST', `/sdk/workflows/${offByDefault.id}`)).statusCode).toBe(200);
    expect((await me('settings')).json().integrations.salesforce.workflowSettings[offByDefault.id]).toMatchObject({ enabled: true });
    await me('settings');
    const patched = await portico.connect('settings', 'PATCH', `/sdk/credentials/${credential.id}`, { config: { sharedSettings: { folder: 'Inbox' } } });
    expect(patched.statusCode).toBe(200);
    expect((await me('settings')).json().integrations.salesforce.sharedSettings).toEqual({ folder: 'Inbox' });
  });

  it.runIf(kind === 'sqlite')('shows a change to any of the user\'s rows written by another process on the same file', async () => {
    await portico.admin('POST', '/integrations', { type: 'salesforce' });
    const workflow = (await portico.admin('POST', '/workflows', { name: 'Elsewhere', integration: 'salesforce', defaultEnabled: true })).json();
    await portico.admin('POST', '/users/elsewhere/credentials', { integration: 'salesforce', accessToken: 'token' });
    await portico.connect('elsewhere', 'PATCH', '/sdk/me', { meta: { source: 'sdk' } });
    const other = openStore({ databaseUrl: portico.database.databaseUrl, dataDir: portico.database.dataDir });
    const { id: userId } = (await portico.admin('GET', '/users/elsewhere')).json();
    const writes: Array<[string, () => Promise<unknown>, (me: any) => unknown, unknown]> = [
      ['user row', () => other.db.updateTable('connected_users').set({ meta: '{"source":"cli"}' }).where('id', '=', userId).execute(),
        (m) => m.meta, { source: 'cli' }],
      ['credential', () => other.db.updateTable('credentials').set({ provider_id: 'changed' }).where('user_id', '=', userId).execute(),
        (m) => m.integrations.salesforce.providerId, 'changed'],
      ['configuration', () => other.db.updateTable('credential_configs').set({ shared_settings: '{"folder":"Sent"}' }).where('user_id', '=', userId).execute(),
        (m) => m.integrations.salesforce.sharedSettings, { folder: 'Sent' }],
      ['workflow state', () => other.db.updateTable('workflow_states').set({ settings: '{"every":"hour"}' }).where('user_id', '=', userId).execute(),
        (m) => m.integrations.salesforce.workflowSettings[workflow.id].settings, { every: 'hour' }],
    ];
    try {
      for (const [, write, read, expected] of writes) {
        await primed('elsewhere');
        await write();
        expect(read((await me('elsewhere')).json())).toEqual(expected);
      }
    } finally {
      await other.close();
    }
  });

  it('shows every kind of change made through another node, within a moment', async () => {
    const { credential, offByDefault } = await seedSalesforce(portico, 'remote');
    const second = await portico.startSecondNode();
    const onSecond = async (method: 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown) => {
      const response = await second.app.inject({
        method,
        url: `/projects/${portico.project.projectId}${path}`,
        headers: { authorization: `Bearer ${await portico.token('remote')}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    const changes: Array<[string, () => Promise<unknown>, (me: any) => unknown, unknown]> = [
      ['metadata', () => onSecond('PATCH', '/sdk/me', { meta: { source: 'node 2' } }), (m) => m.meta, { source: 'node 2' }],
      ['settings', () => onSecond('PATCH', `/sdk/credentials/${credential.id}`, { config: { sharedSettings: { folder: 'Sent' } } }),
        (m) => m.integrations.salesforce.sharedSettings, { folder: 'Sent' }],
      ['workflow', () => onSecond('POST', `/sdk/workflows/${offByDefault.id}`), (m) => m.integrations.salesforce.workflowSettings[offByDefault.id]?.enabled, true],
      ['uninstall', () => onSecond('DELETE', `/sdk/integrations/${credential.integrationId}`), (m) => m.integrations.salesforce.enabled, false],
    ];
    try {
      for (const [name, change, read, expected] of changes) {
        await primed('remote');
        await change();
        await expect.poll(async () => read((await me('remote')).json()), { timeout: 5000, interval: 20, message: name }).toEqual(expected);
      }
    } finally {
      await second.close();
    }
  });

  it('answers GET /sdk/integrations from the same cache and drops it on the user\'s changes, here or on another node', async () => {
    const integrations = async (sub: string) => {
      const response = await portico.connect(sub, 'GET', '/sdk/integrations');
      expect(response.statusCode).toBe(200);
      return response;
    };
    const { credential } = await seedSalesforce(portico, 'lister');
    const first = await integrations('lister');
    expect((await integrations('lister')).body).toBe(first.body);
    expect(first.json().find((i: { type: string }) => i.type === 'salesforce').hasCredential).toBe(true);
    const second = await portico.startSecondNode();
    try {
      const removed = await second.app.inject({
        method: 'DELETE',
        url: `/projects/${portico.project.projectId}/sdk/integrations/${credential.integrationId}`,
        headers: { authorization: `Bearer ${await portico.token('lister')}` },
      });
      expect(removed.statusCode, removed.body).toBe(200);
      await expect.poll(async () => (await integrations('lister')).json().find((i: { type: string }) => i.type === 'salesforce').hasCredential, { timeout: 5000, interval: 20 }).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('still records activity once a minute for a user whose answer did not change', async () => {
    await primed('regular');
    const before = Date.parse((await portico.admin('GET', '/users/regular')).json().dateLastActive);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 60_000 });
    await me('regular');
    // Activity is written behind, within a fraction of a second.
    await expect.poll(async () => Date.parse((await portico.admin('GET', '/users/regular')).json().dateLastActive) - before, { timeout: 5000, interval: 50 })
      .toBeGreaterThanOrEqual(2 * 60_000 - 1000);
  });

  it('reads a user and all they have connected in one statement exactly as the separate reads give them', async () => {
    await portico.admin('POST', '/integrations', { type: 'hubspot' });
    const onByDefault = (await portico.admin('POST', '/workflows', { name: 'Sync deals', integration: 'hubspot', defaultEnabled: true })).json();
    const offByDefault = (await portico.admin('POST', '/workflows', { name: 'Digest', integration: 'hubspot', defaultEnabled: false })).json();
    await portico.connect('wide', 'PATCH', '/sdk/me', { meta: { Name: 'Wide Load', nested: { a: [1, 2.5, 'x'] }, 'ünï': 'çödé' } });
    // Whole seconds (no fraction in PostgreSQL's own text) and nulls next to filled columns.
    const first = (await portico.admin('POST', '/users/wide/credentials', {
      integration: 'hubspot', accessToken: 'a1', refreshToken: 'r1', expiresAt: '2031-01-02T03:04:05.000Z', providerId: 'acct-1', providerData: { portal: 42, region: 'eu' },
    })).json();
    await portico.admin('POST', '/users/wide/credentials', { integration: 'hubspot', accessToken: 'a2', providerId: 'acct-2' });
    await portico.admin('POST', '/users/wide/credentials', { integration: 'salesforce', accessToken: 'a3' });
    const patched = await portico.connect('wide', 'PATCH', `/sdk/credentials/${first.id}`, {
      config: { sharedSettings: { folder: 'Inbox', limit: 10 }, workflowSettings: { [onByDefault.id]: { enabled: false, settings: { when: 'daily' } } } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await portico.connect('wide', 'POST', `/sdk/workflows/${offByDefault.id}`, undefined, { 'x-paragon-credential': first.id })).statusCode).toBe(200);
    const response = await portico.connect('wide', 'GET', '/sdk/me');
    expect(response.statusCode).toBe(200);
    // The answer built from the separate reads (credentials, configurations, workflow states).
    const state = (await portico.ctx.projects.get(portico.project.projectId))!;
    const user = (await findUser(portico.ctx, portico.project.projectId, 'wide'))!;
    const separate = await buildSdkMe(portico.ctx, state, user);
    const answered = response.json();
    expect(answered.integrations.hubspot.allCredentials).toHaveLength(2);
    expect(answered.integrations.hubspot.allCredentials[0].dateValidUntil).toBe('2031-01-02T03:04:05.000Z');
    expect(answered.integrations.hubspot.workflowSettings[offByDefault.id]).toEqual({ enabled: true, settings: {} });
    expect({ ...answered, meta: undefined }).toStrictEqual({ ...JSON.parse(JSON.stringify(separate)), meta: undefined });
    expect(JSON.stringify(answered.integrations)).toBe(JSON.stringify(separate.integrations));
  });
  it('answers many users asked for at once (read together on PostgreSQL) each with their own data', async () => {
    await portico.admin('POST', '/integrations', { type: 'pipedrive' });
    const subs = Array.from({ length: 12 }, (_, i) => `crowd-${i}`);
    for (const [i, sub] of subs.entries()) {
      await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { Name: `Crowd ${i}`, n: i } });
      if (i % 3 === 0) await portico.admin('POST', `/users/${sub}/credentials`, { integration: 'pipedrive', accessToken: `t-${i}`, providerId: `acct-${i}` });
    }
    // Alone first: what each user's answer is.
    const alone = new Map<string, unknown>();
    for (const sub of subs) alone.set(sub, (await portico.connect(sub, 'GET', '/sdk/me')).json());
    // Then all at once, each user twice, with users nobody has seen yet among them; no answer cached.
    portico.ctx.sdkMeCache.clear();
    const fresh = ['crowd-new-a', 'crowd-new-b'];
    const asked = [...subs, ...fresh, ...subs];
    const answers = await Promise.all(asked.map((sub) => portico.connect(sub, 'GET', '/sdk/me')));
    for (const [i, sub] of asked.entries()) {
      expect(answers[i]!.statusCode, answers[i]!.body).toBe(200);
      const body = answers[i]!.json();
      expect(body.userId).toBe(sub);
      if (alone.has(sub)) expect({ ...body, dateLastActive: undefined }).toEqual({ ...(alone.get(sub) as object), dateLastActive: undefined });
      else expect(body.meta).toEqual({});
    }
    expect(answers.filter((a) => a.json().integrations.pipedrive?.enabled === true)).toHaveLength(8);
  });
});
