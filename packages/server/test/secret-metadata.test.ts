import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealUserSecretMeta, userMetaForWorkflows } from '../src/domain/users/index.ts';
import { SecretBox } from '../src/platform/crypto/secret-box.ts';
import { STORES, TEST_ENCRYPTION_KEYS, startPortico, type Portico } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { everyRow } from './support/every-row.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/** Secret metadata keys: sealed at rest, write-only through the Connect API, redacted in the Admin API, clear to workflows. */
describe.each(STORES)('secret metadata keys (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_JOB_POLL_INTERVAL_MS: '50', PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await receiver.start();
    await portico.ctx.jobs.start();
  });
  afterAll(async () => {
    await portico.ctx.jobs.stop({ drainMs: 0 });
    await portico.close();
    await receiver.stop();
  });
  const receiver = new WebhookReceiver();

  const stored = async (needle: string) => (await everyRow(portico)).filter(({ text }) => text.includes(needle)).map(({ table }) => table);
  const adminAs = async (key: string, path: string) => portico.app.inject({ method: 'GET', url: `/api/v1/projects/${portico.project.projectId}${path}`, headers: { authorization: `Bearer ${key}` } });
  const searchIds = async (query: string) => ((await portico.admin('GET', `/users?${query}`)).json().data as Array<{ userId: string }>).map((u) => u.userId);

  it('seals the values of secret keys, shows "[secret]" to the Connect and Admin APIs, and the clear value only with reveal and to workflows', async () => {
    const patched = await portico.admin('PATCH', '', { secretMetaKeys: ['apiKey'] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().secretMetaKeys).toEqual(['apiKey']);
    expect((await portico.admin('GET', '')).json()).toMatchObject({ id: portico.project.projectId, secretMetaKeys: ['apiKey'] });

    const written = await portico.connect('sam', 'PATCH', '/sdk/me', { meta: { Email: 'sam@example.com', apiKey: 'sk-live-SECRET-4242', plan: 'gold' } });
    expect(written.statusCode, written.body).toBe(200);
    expect(written.json().meta).toEqual({ Email: 'sam@example.com', apiKey: '[secret]', plan: 'gold' });
    expect((await portico.connect('sam', 'GET', '/sdk/me')).json().meta).toEqual({ Email: 'sam@example.com', apiKey: '[secret]', plan: 'gold' });
    expect((await portico.admin('GET', '/users/sam')).json().meta.apiKey).toBe('[secret]');
    expect(await stored('sk-live-SECRET-4242')).toEqual([]);

    const revealed = await portico.admin('GET', '/users/sam?reveal=secrets');
    expect(revealed.statusCode, revealed.body).toBe(200);
    expect(revealed.json().meta).toEqual({ Email: 'sam@example.com', apiKey: 'sk-live-SECRET-4242', plan: 'gold' });
    const reader = (await portico.admin('POST', '/api-keys', { name: 'reader', scopes: ['users:read'] })).json().key as string;
    expect((await adminAs(reader, '/users/sam')).json().meta.apiKey).toBe('[secret]');
    const refused = await adminAs(reader, '/users/sam?reveal=secrets');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required: 'admin' } });
    expect(await userMetaForWorkflows(portico.ctx, portico.project.projectId, 'sam')).toEqual({ Email: 'sam@example.com', apiKey: 'sk-live-SECRET-4242', plan: 'gold' });

    // Search never indexes a secret value.
    expect(await searchIds('meta.apiKey=sk-live-SECRET-4242')).toEqual([]);
    expect(await searchIds('meta.plan=gold')).toEqual(['sam']);
    expect((await portico.admin('GET', '/users?email=sam@example.com')).json().data[0].meta.apiKey).toBe('[secret]');
  });

  it('lets the Connect API replace and delete a secret value, merging other keys as before', async () => {
    expect((await portico.connect('sam', 'PATCH', '/sdk/me', { meta: { apiKey: 'sk-live-ROTATED-7' } })).json().meta.apiKey).toBe('[secret]');
    expect((await userMetaForWorkflows(portico.ctx, portico.project.projectId, 'sam'))?.apiKey).toBe('sk-live-ROTATED-7');
    expect(await stored('sk-live-ROTATED-7')).toEqual([]);
    expect(await stored('sk-live-SECRET-4242')).toEqual([]);
    await portico.connect('sam', 'PATCH', '/sdk/me', { meta: { plan: 'platinum' } });
    expect((await userMetaForWorkflows(portico.ctx, portico.project.projectId, 'sam'))).toMatchObject({ apiKey: 'sk-live-ROTATED-7', plan: 'platinum' });

    const deleted = await portico.connect('sam', 'PATCH', '/sdk/me', { meta: { apiKey: null } });
    expect(deleted.json().meta).toEqual({ Email: 'sam@example.com', plan: 'platinum' });
    expect((await portico.connect('sam', 'GET', '/sdk/me')).json().meta).toEqual({ Email: 'sam@example.com', plan: 'platinum' });
    expect(await userMetaForWorkflows(portico.ctx, portico.project.projectId, 'sam')).toEqual({ Email: 'sam@example.com', plan: 'platinum' });
    const row = await portico.store.db.selectFrom('connected_users').select('secret_meta').where('external_id', '=', 'sam').executeTakeFirstOrThrow();
    expect(row.secret_meta).toBeNull();
  });

  it('seals values stored before their key was made secret, and opens them again when it is made public', async () => {
    await portico.connect('tia', 'PATCH', '/sdk/me', { meta: { token: 'tok-CLEAR-9911', team: 'red' } });
    // Cached answer, built before the change.
    expect((await portico.connect('tia', 'GET', '/sdk/me')).json().meta.token).toBe('tok-CLEAR-9911');
    expect(await searchIds('meta.token=tok-CLEAR-9911')).toEqual(['tia']);

    expect((await portico.admin('PATCH', '', { secretMetaKeys: ['apiKey', 'token'] })).statusCode).toBe(200);
    // Redacted at once, before the rewrite job has passed the user.
    expect((await portico.connect('tia', 'GET', '/sdk/me')).json().meta).toEqual({ token: '[secret]', team: 'red' });
    await waitFor('the rewrite', async () => ((await stored('tok-CLEAR-9911')).length === 0 ? true : undefined), 15_000);
    expect(await searchIds('meta.token=tok-CLEAR-9911')).toEqual([]);
    expect((await portico.connect('tia', 'GET', '/sdk/me')).json().meta).toEqual({ token: '[secret]', team: 'red' });
    expect((await userMetaForWorkflows(portico.ctx, portico.project.projectId, 'tia'))?.token).toBe('tok-CLEAR-9911');

    expect((await portico.admin('PATCH', '', { secretMetaKeys: ['apiKey'] })).json().secretMetaKeys).toEqual(['apiKey']);
    await waitFor('the rewrite back', async () => ((await portico.connect('tia', 'GET', '/sdk/me')).json().meta.token === 'tok-CLEAR-9911' ? true : undefined), 15_000);
    expect(await searchIds('meta.token=tok-CLEAR-9911')).toEqual(['tia']);
    const row = await portico.store.db.selectFrom('connected_users').select('secret_meta').where('external_id', '=', 'tia').executeTakeFirstOrThrow();
    expect(row.secret_meta).toBeNull();
  }, 40_000);

  it.runIf(kind === 'postgres')('redacts a key made secret on one node at once on another node, whose /sdk/me cache held the clear value', async () => {
    const second = await portico.startSecondNode();
    try {
      const meOn = async (app: typeof portico.app) => (await app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${await portico.token('nia')}` } })).json().meta;
      await portico.connect('nia', 'PATCH', '/sdk/me', { meta: { pin: 'PIN-CLEAR-3141' } });
      expect((await meOn(second.app)).pin).toBe('PIN-CLEAR-3141');
      expect((await meOn(second.app)).pin).toBe('PIN-CLEAR-3141');
      const keys = (await portico.admin('GET', '')).json().secretMetaKeys as string[];
      expect((await portico.admin('PATCH', '', { secretMetaKeys: [...keys, 'pin'] })).statusCode).toBe(200);
      await waitFor('the other node to redact', async () => ((await meOn(second.app)).pin === '[secret]' ? true : undefined), 5_000);
      await waitFor('the rewrite', async () => ((await stored('PIN-CLEAR-3141')).length === 0 ? true : undefined), 15_000);
      expect((await portico.admin('PATCH', '', { secretMetaKeys: keys })).statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses a key listed twice, and the change needs the admin scope', async () => {
    const twice = await portico.admin('PATCH', '', { secretMetaKeys: ['apiKey', ' apiKey'] });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().code).toBe('VALIDATION_FAILED');
    expect((await portico.admin('PATCH', '', {})).statusCode).toBe(400);
    const writer = (await portico.admin('POST', '/api-keys', { name: 'writer', scopes: ['users:write'] })).json().key as string;
    const refused = await portico.app.inject({ method: 'PATCH', url: `/api/v1/projects/${portico.project.projectId}`, headers: { authorization: `Bearer ${writer}` }, payload: { secretMetaKeys: [] } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required: 'admin' } });
  });

  it("gives workflows the clear value (the app's API gets it) and keeps it out of Task History", async () => {
    const base = receiver.url('');
    const integration = (await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Secret CRM', clientId: 'c', clientSecret: 's', auth: { scheme: 'oauth2', authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token` },
    })).json();
    const workflow = await portico.admin('POST', '/workflows', {
      name: 'Notify app', integration: integration.type, defaultEnabled: true, trigger: { type: 'event', event: 'Ping' },
      steps: [{ id: 'notify', type: 'http', method: 'POST', url: receiver.url('/app'), headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { key: '{{user.meta.apiKey}}' } }],
    });
    expect(workflow.statusCode, workflow.body).toBe(201);
    await portico.connect('wes', 'PATCH', '/sdk/me', { meta: { apiKey: 'sk-WORKFLOW-555' } });
    expect((await portico.admin('POST', '/users/wes/credentials', { integration: integration.type, accessToken: 'tok' })).statusCode).toBe(201);
    const sent = await portico.connect('wes', 'POST', '/sdk/events/trigger', { name: 'Ping' });
    expect(sent.statusCode, sent.body).toBe(201);
    const request = await waitFor('the run', () => receiver.at('/app').find((r) => r.headers.authorization !== undefined) ?? undefined, 15_000);
    expect(request.headers.authorization).toBe('Bearer sk-WORKFLOW-555');
    expect(request.json).toEqual({ key: 'sk-WORKFLOW-555' });
    await waitFor('the run recorded', async () => ((await portico.store.db.selectFrom('workflow_executions').select('status').where('workflow_id', '=', workflow.json().id).executeTakeFirst())?.status === 'SUCCEEDED' ? true : undefined), 10_000);
    expect(await stored('sk-WORKFLOW-555')).toEqual([]);
  });

  it('is re-sealed with a new key by portico secrets reseal, after which the old key is not needed', async () => {
    await portico.connect('rex', 'PATCH', '/sdk/me', { meta: { apiKey: 'sk-ROTATE-ME-1' } });
    const newKey = `v2:${Buffer.alloc(32, 9).toString('base64')}`;
    const rotated = new SecretBox(`${newKey},${TEST_ENCRYPTION_KEYS}`);
    const report = await resealUserSecretMeta(portico.store.db, rotated);
    expect(report.unreadable).toEqual([]);
    expect(report.resealed).toBeGreaterThanOrEqual(1);
    const onlyNew = { store: portico.store, secrets: new SecretBox(newKey) };
    expect((await userMetaForWorkflows(onlyNew, portico.project.projectId, 'rex'))?.apiKey).toBe('sk-ROTATE-ME-1');
    expect((await resealUserSecretMeta(portico.store.db, rotated)).resealed).toBe(0);
  });
});
