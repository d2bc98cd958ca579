import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_JOB, resealWebhookSecrets } from '../src/domain/webhooks/index.ts';
import { SecretBox } from '../src/platform/crypto/secret-box.ts';
import { ManualClock, STORES, TEST_ENCRYPTION_KEYS, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { WebhookReceiver, verifyStandardWebhook, type ReceivedWebhook } from './support/webhook-receiver.ts';

interface CreatedWebhook {
  id: string;
  secret: string;
  url: string;
  events: string[];
}

for (const kind of STORES) {
  describe(`outbound webhooks (${kind})`, () => {
    let portico: Portico;
    const clock = new ManualClock();
    const receiver = new WebhookReceiver();
    let paths = 0;

    beforeAll(async () => {
      await receiver.start();
      portico = await startPortico(kind, { clock, config: { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PORTICO_JOB_POLL_INTERVAL_MS: '50' } });
      await portico.ctx.jobs.start();
    });
    afterAll(async () => {
      await portico.ctx.jobs.stop({ drainMs: 0 });
      await portico.close();
      await receiver.stop();
    });

    /** A webhook on its own receiver path, so each test reads only its own requests. */
    async function createWebhook(events: string[], extra: Record<string, unknown> = {}): Promise<CreatedWebhook & { path: string }> {
      const path = `/hooks/${++paths}`;
      const response = await portico.admin('POST', '/webhooks', { url: receiver.url(path), events, ...extra });
      expect(response.statusCode, response.body).toBe(201);
      return { ...(response.json() as CreatedWebhook), path };
    }

    const deliveries = async (webhookId: string, query = '') => {
      const response = await portico.admin('GET', `/webhooks/${webhookId}/deliveries${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { data: Array<Record<string, unknown>>; nextCursor: string | null };
    };

    it('shows the secret once and stores it sealed', async () => {
      const hook = await createWebhook(['*'], { description: 'CRM sync' });
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const read = await portico.admin('GET', `/webhooks/${hook.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id: hook.id, url: hook.url, events: ['*'], description: 'CRM sync', enabled: true, previousSecretExpiresAt: null });
      expect(read.body).not.toContain(hook.secret.slice(6));
      const list = await portico.admin('GET', '/webhooks');
      expect(list.json().data.map((w: { id: string }) => w.id)).toContain(hook.id);
      expect(list.body).not.toContain('whsec_');

      const rows = await portico.store.db.selectFrom('webhooks').selectAll().execute();
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(hook.secret.slice(6));
      expect(stored).not.toContain(Buffer.from(hook.secret.slice(6), 'base64').toString('hex'));
      expect(rows.find((r) => r.id === hook.id)!.secret).toMatch(/^v1\.a1\./);
    });

    it('re-seals webhook secrets with a new encryption key (portico secrets reseal)', async () => {
      const hook = await createWebhook(['user.created']);
      const v2 = `v2:${Buffer.alloc(32, 9).toString('base64')}`;
      const report = await resealWebhookSecrets(portico.store.db, new SecretBox(`${v2},${TEST_ENCRYPTION_KEYS}`));
      expect(report.resealed).toBeGreaterThanOrEqual(1);
      expect(report.unreadable).toEqual([]);
      const row = await portico.store.db.selectFrom('webhooks').select('secret').where('id', '=', hook.id).executeTakeFirstOrThrow();
      expect(row.secret).toMatch(/^v2\.a1\./);
      expect(new SecretBox(v2).open(row.secret, { table: 'webhooks', field: 'secret', rowId: hook.id })).toBe(hook.secret);
      const keys = await portico.store.db.selectFrom('encryption_keys').select('version').execute();
      expect(keys.map((k) => k.version)).toContain('v2');
      // This process only has v1: put every webhook back under it for the tests that follow.
      expect((await resealWebhookSecrets(portico.store.db, new SecretBox(`${TEST_ENCRYPTION_KEYS},${v2}`))).unreadable).toEqual([]);
    });

    it('refuses URLs outside the SSRF policy and unknown event names, clearly', async () => {
      const refused = async (url: string) => {
        const response = await portico.admin('POST', '/webhooks', { url, events: ['*'] });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().code, url).toBe('WEBHOOK_URL_NOT_ALLOWED');
        return response.json();
      };
      expect((await refused('http://10.1.2.3/hook')).meta).toMatchObject({ reason: 'address-not-allowed', host: '10.1.2.3' });
      expect((await refused('http://169.254.169.254/latest/meta-data')).message).toMatch(/PORTICO_OUTBOUND_ALLOW_HOSTS/);
      expect((await refused('http://[::1]:8080/')).meta).toMatchObject({ reason: 'address-not-allowed' });
      expect((await refused('ftp://example.com/hook')).meta).toMatchObject({ reason: 'scheme' });
      expect((await refused('https://user:pass@example.com/hook')).meta).toMatchObject({ reason: 'credentials' });
      expect((await refused('not a url')).meta).toMatchObject({ reason: 'not-a-url' });

      const badEvent = await portico.admin('POST', '/webhooks', { url: receiver.url(), events: ['user.metadata.updated', 'user.deleted'] });
      expect(badEvent.statusCode).toBe(400);
      expect(badEvent.json().code).toBe('VALIDATION_FAILED');
      const problem = badEvent.json().meta.errors.find((e: { path: string }) => e.path === '/events/1');
      expect(problem.allowedValues).toEqual(expect.arrayContaining(['user.created', 'user.metadata.updated', 'user.erased', 'credential.invalid', 'execution.failed', '*']));

      const patched = await portico.admin('PATCH', `/webhooks/${(await createWebhook(['user.created'])).id}`, { url: 'http://192.168.0.10/x' });
      expect(patched.json().code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    });

    it('delivers user.metadata.updated signed per Standard Webhooks, retrying 500s with the same webhook-id', async () => {
      const hook = await createWebhook(['user.metadata.updated']);
      let calls = 0;
      receiver.respond = (request) => (request.path === hook.path && ++calls <= 2 ? 500 : 200);
      const patch = await portico.connect('retry-user', 'PATCH', '/sdk/me', { meta: { plan: 'secret-plan-VALUE', seats: 3 } });
      expect(patch.statusCode).toBe(200);

      const retrying = await waitFor('a failed attempt recorded', async () => {
        const [delivery] = (await deliveries(hook.id)).data;
        return delivery && delivery.attempts === 1 ? delivery : undefined;
      });
      expect(retrying).toMatchObject({ status: 'pending', lastStatusCode: 500, lastError: 'HTTP 500' });
      expect(Date.parse(retrying.nextAttemptAt as string) - Date.parse(retrying.lastAttemptAt as string)).toBeLessThanOrEqual(10_000);
      const got = await waitFor('three attempts', () => (receiver.at(hook.path).length >= 3 ? receiver.at(hook.path) : undefined), 40_000);
      expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
      const ids = new Set(got.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const request of got) {
        expect(verifyStandardWebhook(hook.secret, request.headers, request.body)).toBe(true);
        expect(request.headers['content-type']).toBe('application/json');
        expect(request.json).toMatchObject({ type: 'user.metadata.updated', data: { projectId: portico.project.projectId, userId: 'retry-user' } });
        expect((request.json.data.keys as string[]).sort()).toEqual(['plan', 'seats']);
        expect(request.body).not.toContain('secret-plan-VALUE');
      }
      expect(Date.parse(got[0]!.json.timestamp)).toBeGreaterThan(Date.now() - 60_000);
      // The first retry comes within 10 s of the failure, the next one later.
      expect(got[1]!.at - got[0]!.at).toBeLessThan(10_000);
      expect(got[2]!.at - got[1]!.at).toBeGreaterThan(got[1]!.at - got[0]!.at - 2500);
      // A tampered body or another secret does not verify.
      expect(verifyStandardWebhook(hook.secret, got[0]!.headers, got[0]!.body.replace('seats', 'seatz'))).toBe(false);

      const log = await waitFor('the delivery to be recorded as succeeded', async () => {
        const page = await deliveries(hook.id);
        return page.data[0]?.status === 'succeeded' ? page : undefined;
      });
      expect(log.data).toHaveLength(1);
      expect(log.data[0]).toMatchObject({ id: got[0]!.headers['webhook-id'], webhookId: hook.id, eventType: 'user.metadata.updated', userId: 'retry-user', attempts: 3, lastStatusCode: 200, lastError: null });
      expect(log.data[0]!.deliveredAt).toEqual(expect.any(String));
      expect(log.data[0]!.nextAttemptAt).toBeNull();
      expect(log.nextCursor).toBeNull();
      receiver.respond = () => 200;
    }, 60_000);

    it('sends every type to "*" and only the listed types to a list', async () => {
      const all = await createWebhook(['*']);
      const installs = await createWebhook(['integration.installed', 'integration.uninstalled']);
      const disabled = await createWebhook(['*'], { enabled: false });
      await portico.connect('filter-user', 'PATCH', '/sdk/me', { meta: { a: 1 } });
      await seedSalesforce(portico, 'filter-user');
      await waitFor('user.created, user.metadata.updated, integration.installed at "*"', () => {
        const types = receiver.at(all.path).map((r) => r.json.type);
        return ['user.created', 'user.metadata.updated', 'integration.installed'].every((t) => types.includes(t)) ? types : undefined;
      });
      await waitFor('integration.installed at the list', () => receiver.at(installs.path).length > 0);
      expect(receiver.at(installs.path).map((r) => r.json.type)).toEqual(['integration.installed']);
      expect(receiver.at(installs.path)[0]!.json.data).toMatchObject({ userId: 'filter-user', integrationType: 'salesforce', credentialId: expect.any(String) });
      expect(receiver.at(all.path).every((r) => verifyStandardWebhook(all.secret, r.headers, r.body))).toBe(true);
      expect(receiver.at(disabled.path)).toEqual([]);
      expect((await deliveries(disabled.id)).data).toEqual([]);
      // Events made before a webhook existed are not sent to it.
      const late = await createWebhook(['*']);
      await portico.connect('filter-user', 'PATCH', '/sdk/me', { meta: { b: 2 } });
      await waitFor('the next change at the late webhook', () => receiver.at(late.path).length > 0);
      expect(receiver.at(late.path).map((r) => r.json.type)).toEqual(['user.metadata.updated']);
    });

    it('signs with the new secret after rotate-secret, and with both during the grace period', async () => {
      const hook = await createWebhook(['user.metadata.updated']);
      const rotated = await portico.admin('POST', `/webhooks/${hook.id}/rotate-secret`, { graceSeconds: 0 });
      expect(rotated.statusCode, rotated.body).toBe(200);
      const secret2 = rotated.json().secret as string;
      expect(secret2).toMatch(/^whsec_/);
      expect(secret2).not.toBe(hook.secret);
      await portico.connect('rotate-user', 'PATCH', '/sdk/me', { meta: { x: 1 } });
      const [first] = await waitFor('a delivery after the rotation', () => (receiver.at(hook.path).length > 0 ? receiver.at(hook.path) : undefined));
      expect(verifyStandardWebhook(secret2, first!.headers, first!.body)).toBe(true);
      expect(verifyStandardWebhook(hook.secret, first!.headers, first!.body)).toBe(false);

      const graced = await portico.admin('POST', `/webhooks/${hook.id}/rotate-secret`, {});
      expect(graced.statusCode, graced.body).toBe(200);
      const secret3 = graced.json().secret as string;
      expect(graced.json().previousSecretExpiresAt).toEqual(expect.any(String));
      await portico.connect('rotate-user', 'PATCH', '/sdk/me', { meta: { x: 2 } });
      const second = await waitFor('a delivery in the grace period', () => receiver.at(hook.path)[1]);
      expect((second.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
      expect(verifyStandardWebhook(secret3, second.headers, second.body)).toBe(true);
      expect(verifyStandardWebhook(secret2, second.headers, second.body)).toBe(true);
      expect(verifyStandardWebhook(hook.secret, second.headers, second.body)).toBe(false);
    });

    it('gives up after 24 h of failures, and a manual retry sends the dead delivery again with its webhook-id', async () => {
      const hook = await createWebhook(['user.metadata.updated']);
      let down = true;
      receiver.respond = (request) => (request.path === hook.path && down ? 503 : 200);
      await portico.connect('dead-user', 'PATCH', '/sdk/me', { meta: { y: 1 } });
      await waitFor('the first failed attempt, recorded', async () => (await deliveries(hook.id)).data[0]?.attempts === 1);
      clock.advance(24 * 3_600_000 + 1000);
      const dead = await waitFor('the delivery to be dead', async () => {
        const [delivery] = (await deliveries(hook.id)).data;
        return delivery?.status === 'dead' ? delivery : undefined;
      }, 20_000);
      expect(dead).toMatchObject({ attempts: 2, lastStatusCode: 503, lastError: 'HTTP 503' });
      expect(receiver.at(hook.path)).toHaveLength(2);

      down = false;
      const pendingRetry = await portico.admin('POST', `/webhooks/${hook.id}/deliveries/${dead.id as string}/retry`);
      expect(pendingRetry.statusCode, pendingRetry.body).toBe(202);
      expect(pendingRetry.json()).toMatchObject({ id: dead.id, status: 'pending' });
      const resent = await waitFor('the manual retry', () => receiver.at(hook.path)[2]);
      expect(resent.answered).toBe(200);
      expect(resent.headers['webhook-id']).toBe(dead.id);
      expect(verifyStandardWebhook(hook.secret, resent.headers, resent.body)).toBe(true);
      const done = await waitFor('the delivery to succeed', async () => {
        const [delivery] = (await deliveries(hook.id)).data;
        return delivery?.status === 'succeeded' ? delivery : undefined;
      });
      expect(done).toMatchObject({ attempts: 3, lastStatusCode: 200 });

      const again = await portico.admin('POST', `/webhooks/${hook.id}/deliveries/${dead.id as string}/retry`);
      expect(again.statusCode).toBe(202);
      const twice = await portico.admin('POST', `/webhooks/${hook.id}/deliveries/${dead.id as string}/retry`);
      expect([202, 409]).toContain(twice.statusCode);
      if (twice.statusCode === 409) expect(twice.json().code).toBe('WEBHOOK_DELIVERY_PENDING');
      expect((await portico.admin('POST', `/webhooks/${hook.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`)).json().code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
      receiver.respond = () => 200;
    }, 40_000);

    it('pages deliveries newest first and deletes a webhook with its log', async () => {
      const hook = await createWebhook(['user.metadata.updated']);
      for (let i = 0; i < 5; i++) await portico.connect(`page-user-${i}`, 'PATCH', '/sdk/me', { meta: { i } });
      await waitFor('five deliveries', () => receiver.at(hook.path).length >= 5);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await deliveries(hook.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.data.map((d) => d.id as string));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(new Set(seen)).toEqual(new Set(receiver.at(hook.path).map((r: ReceivedWebhook) => r.headers['webhook-id'])));
      expect((await portico.admin('GET', `/webhooks/${hook.id}/deliveries?cursor=garbage`)).json().code).toBe('VALIDATION_FAILED');

      expect((await portico.admin('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
      expect((await portico.admin('GET', `/webhooks/${hook.id}`)).json().code).toBe('WEBHOOK_NOT_FOUND');
      expect((await portico.admin('GET', `/webhooks/${hook.id}/deliveries`)).json().code).toBe('WEBHOOK_NOT_FOUND');
      const left = await portico.store.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.id).execute();
      expect(left).toEqual([]);
    });

    it('deletes deliveries settled for 30 days, keeping the webhooks', async () => {
      const hook = await createWebhook(['user.metadata.updated']);
      await portico.connect('prune-user', 'PATCH', '/sdk/me', { meta: { z: 1 } });
      await waitFor('the delivery to succeed', async () => (await deliveries(hook.id)).data[0]?.status === 'succeeded');
      const before = await portico.store.db.selectFrom('webhook_deliveries').select('id').execute();
      expect(before.length).toBeGreaterThan(5);
      clock.advance(31 * 86_400_000);
      const job = await portico.ctx.jobs.enqueue(PRUNE_JOB, {});
      await waitFor('the prune job', async () => (await portico.ctx.jobs.get(job.id))?.state === 'succeeded');
      const left = await portico.store.db.selectFrom('webhook_deliveries').select(['id', 'status']).execute();
      expect(left.filter((d) => d.status !== 'pending')).toEqual([]);
      expect((await portico.admin('GET', `/webhooks/${hook.id}`)).statusCode).toBe(200);
    });

    it('keeps webhooks to their project', async () => {
      const hook = await createWebhook(['*']);
      const other = await portico.createProject();
      const foreign = await portico.app.inject({ method: 'GET', url: `/api/v1/projects/${other.projectId}/webhooks/${hook.id}`, headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(foreign.statusCode).toBe(404);
      const list = await portico.app.inject({ method: 'GET', url: `/api/v1/projects/${other.projectId}/webhooks`, headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(list.json().data).toEqual([]);
    });
  });
}
