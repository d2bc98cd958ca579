import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';
import { everyRow } from './support/every-row.ts';
import path from 'node:path';
import Database from 'better-sqlite3';

/** SQLite: the terms of the `q` trigram index (FTS5), which keeps only trigrams, not the text. */
function indexedTrigrams(portico: Portico): string[] {
  const db = new Database(path.join(portico.database.dataDir, 'portico.db'));
  try {
    db.exec(`create virtual table temp.search_vocabulary using fts5vocab(main, 'connected_users_text', 'row')`);
    return db.prepare('select term from temp.search_vocabulary').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** Erasure (GDPR): after DELETE /users/{userId}, no table holds anything of the user. */
describe.each(STORES)('user erasure (%s)', (kind) => {
  let portico: Portico;
  const receiver = new WebhookReceiver();
  const revoked: Array<Record<string, string>> = [];
  const sink = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      revoked.push(Object.fromEntries(new URLSearchParams(body)));
      response.writeHead(200).end();
    });
  });
  let integrationType: string;
  let workflowId: string;

  beforeAll(async () => {
    await receiver.start();
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    // Rate limits on: their counters must not keep the user either.
    portico = await startPortico(kind, { config: { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PORTICO_JOB_POLL_INTERVAL_MS: '50', PORTICO_RATE_LIMIT_USER: '1000', PORTICO_RATE_LIMIT_API_KEY: '1000' } });
    await portico.ctx.jobs.start();
    const base = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const integration = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Erase CRM', clientId: 'erase-client', clientSecret: 'ERASE-CLIENT-SECRET',
      auth: { scheme: 'oauth2', authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token`, revokeUrl: `${base}/revoke` },
    });
    expect(integration.statusCode, integration.body).toBe(201);
    integrationType = integration.json().type;
    const keyStore = await portico.admin('POST', '/integrations', { type: 'custom', name: 'Key Store', auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }] } });
    expect(keyStore.statusCode, keyStore.body).toBe(201);
    const workflow = await portico.admin('POST', '/workflows', {
      name: 'Sync', integration: integrationType, defaultEnabled: true,
      trigger: { type: 'event', event: 'Contact Created' },
      steps: [{ id: 'notify', type: 'http', method: 'POST', url: receiver.url('/app'), body: { email: '{{user.meta.Email}}', contact: '{{event.contact}}' } }],
    });
    expect(workflow.statusCode, workflow.body).toBe(201);
    workflowId = workflow.json().id;
    expect((await portico.admin('POST', '/webhooks', { url: receiver.url('/all'), events: ['*'] })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await portico.ctx.jobs.stop({ drainMs: 0 });
    await portico.close();
    await receiver.stop();
    sink.close();
  });

  /** A user with something in every room: metadata, two credentials, settings, a workflow state, events, webhook deliveries. */
  async function seedUser(sub: string, marker: string) {
    expect((await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { Name: `Name ${marker}`, Email: `${marker}@erase.example`, plan: `plan-${marker}` } })).statusCode).toBe(200);
    const oauth = await portico.admin('POST', `/users/${sub}/credentials`, {
      integration: integrationType, accessToken: `access-${marker}`, refreshToken: `refresh-${marker}`, providerId: `account-${marker}`, providerData: { workspace: `ws-${marker}` },
    });
    expect(oauth.statusCode, oauth.body).toBe(201);
    const keyed = await portico.connect(sub, 'POST', '/sdk/credentials', { integrationId: 'custom.keystore', payload: { apiKey: `apikey-${marker}` } });
    expect(keyed.statusCode, keyed.body).toBe(201);
    const configured = await portico.connect(sub, 'PATCH', `/sdk/credentials/${oauth.json().id}`, { config: { sharedSettings: { folder: `folder-${marker}` }, workflowSettings: { [workflowId]: { enabled: true, settings: { list: `list-${marker}` } } } } });
    expect(configured.statusCode, configured.body).toBe(200);
    // A run of the workflow: its execution and step records hold the user's data.
    const sent = await portico.connect(sub, 'POST', '/sdk/events/trigger', { name: 'Contact Created', payload: { contact: `contact-${marker}` } });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().executionIds).toHaveLength(1);
    await waitFor('the run', () => receiver.at('/app').find((r) => r.body.includes(`contact-${marker}`)) ?? undefined, 15_000);
    const persona = (await portico.admin('GET', `/users/${sub}`)).json().id as string;
    return { persona, credentialIds: [oauth.json().id as string, keyed.json().id as string] };
  }

  it('erases everything of the user, keeps a tombstone without the id, and a later token starts a new empty user', async () => {
    const erin = await seedUser('erin-7f3a', 'erin9q');
    const other = await seedUser('olga-2b1c', 'olga5w');
    // The webhook has been sent the user's events: their payloads are stored.
    await waitFor('deliveries about the user', async () => {
      const rows = await portico.store.db.selectFrom('webhook_deliveries').select('id').where('user_id', '=', 'erin-7f3a').execute();
      return rows.length >= 4 || undefined;
    }, 10_000);
    // The /sdk/me cache holds the user's answer.
    expect((await portico.connect('erin-7f3a', 'GET', '/sdk/me')).json().meta.plan).toBe('plan-erin9q');
    const eventsBefore = (await portico.admin('GET', '/users/erin-7f3a/events?limit=200')).json().data.length as number;

    // Trigrams only erin's user id has ("7f3", "f3a") are in the free-text index until she is erased.
    if (kind === 'sqlite') expect(indexedTrigrams(portico)).toEqual(expect.arrayContaining(['7f3', 'f3a']));
    const response = await portico.admin('DELETE', '/users/erin-7f3a');
    if (kind === 'sqlite') expect(indexedTrigrams(portico).filter((term) => term === '7f3' || term === 'f3a')).toEqual([]);
    expect(response.statusCode, response.body).toBe(200);
    const receipt = response.json();
    expect(receipt).toEqual({
      userId: 'erin-7f3a',
      erasedAt: expect.any(String),
      deleted: { credentials: 2, workflowSettings: 1, executions: 1, auditEvents: eventsBefore },
      revoked: 1,
    });
    expect(Date.parse(receipt.erasedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Best effort at the provider: the OAuth grant is revoked after the answer.
    await waitFor('the revocation', () => revoked.find((r) => r.token === 'refresh-erin9q') ?? undefined, 10_000);
    // The app's backend hears of it.
    const erased = await waitFor('the user.erased webhook', () => receiver.at('/all').find((r) => r.json.type === 'user.erased') ?? undefined, 10_000);
    expect(erased.json.data).toEqual({ projectId: portico.project.projectId, userId: 'erin-7f3a' });
    // Let the queue settle (revocation and delivery jobs done) before reading the tables.
    await waitFor('the queue to settle', async () => {
      const busy = await portico.store.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute();
      return busy.length === 0 || undefined;
    }, 10_000);

    const needles = ['erin-7f3a', erin.persona, 'erin9q'];
    const rows = await everyRow(portico);
    expect([...new Set(rows.map((r) => r.table))]).toEqual(expect.arrayContaining(['connected_users', 'user_meta_values', 'credentials', 'credential_configs', 'workflow_states', 'workflow_executions', 'workflow_step_executions', 'events', 'webhook_deliveries', 'jobs', 'user_erasures', ...(kind === 'postgres' ? ['user_search_text'] : [])]));
    const leftovers = rows.filter(({ text }) => needles.some((needle) => text.includes(needle)));
    // The one thing left naming the user is the erasure notice itself (decision 30): its outbox event and its delivery.
    const notice = leftovers.filter(({ table, row }) => (table === 'events' && row.type === 'user.erased')
      || (table === 'webhook_deliveries' && JSON.parse(String(row.payload)).type === 'user.erased'));
    expect(leftovers.filter((l) => !notice.includes(l)).map((l) => `${l.table}: ${l.text.slice(0, 300)}`)).toEqual([]);
    expect(notice.map((n) => n.table).sort()).toEqual(['events', 'webhook_deliveries']);
    for (const { text } of notice) expect(text).not.toContain('erin9q');
    // No token or setting of the user, even sealed in some other shape, is anywhere.
    for (const id of erin.credentialIds) expect(rows.filter(({ table, text }) => text.includes(id) && table !== 'jobs').map((r) => r.table)).toEqual([]);
    const tombstone = rows.filter(({ table }) => table === 'user_erasures');
    expect(tombstone).toHaveLength(1);
    expect(tombstone[0]!.text).not.toContain('erin-7f3a');

    // The other user is untouched.
    expect(rows.some(({ table, text }) => table === 'connected_users' && text.includes('olga5w'))).toBe(true);
    expect(rows.filter(({ table, text }) => table === 'credentials' && text.includes(other.persona))).toHaveLength(2);
    expect((await portico.admin('GET', '/users/olga-2b1c/events?limit=200')).json().data.length).toBeGreaterThan(3);

    // The receipt is shown again; unknown ids have none.
    const again = await portico.admin('GET', '/erasures/erin-7f3a');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(receipt);
    const never = await portico.admin('GET', '/erasures/olga-2b1c');
    expect(never.statusCode).toBe(404);
    expect(never.json().code).toBe('ERASURE_NOT_FOUND');

    // The user is gone, and a later token for the same sub starts a brand-new, empty user.
    expect((await portico.admin('GET', '/users/erin-7f3a')).statusCode).toBe(404);
    const me = await portico.connect('erin-7f3a', 'GET', '/sdk/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().meta).toEqual({});
    expect(me.json().integrations[integrationType]).toMatchObject({ enabled: false, allCredentials: [] });
    const reborn = (await portico.admin('GET', '/users/erin-7f3a')).json();
    expect(reborn.id).not.toBe(erin.persona);
    const timeline = (await portico.admin('GET', '/users/erin-7f3a/events')).json().data as Array<{ type: string }>;
    expect(timeline.map((e) => e.type)).toEqual(['user.created', 'user.erased']);
  }, 60_000);

  it('answers 404 USER_NOT_FOUND for a user it does not know, and needs the users:erase scope', async () => {
    const unknown = await portico.admin('DELETE', '/users/never-seen');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('USER_NOT_FOUND');

    await portico.connect('wanda', 'GET', '/sdk/me');
    const writer = (await portico.admin('POST', '/api-keys', { name: 'writer', scopes: ['users:write', 'users:read'] })).json().key as string;
    const refused = await portico.app.inject({ method: 'DELETE', url: `/api/v1/projects/${portico.project.projectId}/users/wanda`, headers: { authorization: `Bearer ${writer}` } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required: 'users:erase' } });
    const eraser = (await portico.admin('POST', '/api-keys', { name: 'eraser', scopes: ['users:erase'] })).json().key as string;
    const erased = await portico.app.inject({ method: 'DELETE', url: `/api/v1/projects/${portico.project.projectId}/users/wanda`, headers: { authorization: `Bearer ${eraser}` } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toMatchObject({ userId: 'wanda', deleted: { credentials: 0, workflowSettings: 0, executions: 0, auditEvents: 1 }, revoked: 0 });
    const [event] = (await portico.admin('GET', '/events?type=user.erased')).json().data as Array<{ userId: string; actor: { kind: string; name: string } }>;
    expect(event).toMatchObject({ userId: 'wanda', actor: { kind: 'api_key' } });
  });
});
