import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, createTestDatabase, signToken, type TestDatabase } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { createProjectWithCli, startServerProcess, type ServerProcess } from './support/server-process.ts';
import { WebhookReceiver, verifyStandardWebhook } from './support/webhook-receiver.ts';
import type { CreatedProject } from '../src/domain/projects/index.ts';

/**
 * A real `portico serve` killed with SIGKILL while deliveries are owed: one that has already failed
 * (the receiver is down) and one whose change was acknowledged just before the kill. After a
 * restart both arrive, the first with the webhook-id it had before the kill.
 */
for (const kind of STORES) {
  describe(`webhook delivery across kill -9 (${kind})`, () => {
    let database: TestDatabase;
    let project: CreatedProject;
    let server: ServerProcess | undefined;
    const receiver = new WebhookReceiver();
    const env = { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PORTICO_JOB_POLL_INTERVAL_MS: '50', PORTICO_JOB_LEASE_MS: '2000' };

    beforeEach(async () => {
      database = await createTestDatabase(kind);
      project = await createProjectWithCli(database);
    });
    afterEach(async () => {
      server?.child.kill('SIGKILL');
      await server?.exited;
      await receiver.stop();
      await database.drop();
    });

    const call = async (path: string, init: { method: string; body?: unknown; token?: string }) => {
      const response = await fetch(`${server!.url}${path}`, {
        method: init.method,
        headers: { authorization: `Bearer ${init.token ?? project.apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const admin = (method: string, path: string, body?: unknown) => call(`/api/v1/projects/${project.projectId}${path}`, { method, body });
    const patchMeta = async (sub: string, meta: Record<string, unknown>) =>
      call(`/projects/${project.projectId}/sdk/me`, { method: 'PATCH', body: { meta }, token: await signToken(project, sub) });

    it('delivers what was owed at the kill, with the same webhook-id', async () => {
      // The receiver's port, closed: every attempt is refused until it comes back.
      await receiver.start();
      const port = receiver.port;
      await receiver.stop();
      server = await startServerProcess(database, env);

      const hook = await admin('POST', '/webhooks', { url: `http://127.0.0.1:${port}/hooks`, events: ['user.metadata.updated'] });
      expect(hook.status).toBe(201);
      expect((await patchMeta('before-kill', { step: 1 })).status).toBe(200);
      const failed = await waitFor('a failed attempt recorded', async () => {
        const [delivery] = (await admin('GET', `/webhooks/${hook.json.id as string}/deliveries`)).json.data as Array<Record<string, any>>;
        return delivery && delivery.attempts >= 1 ? delivery : undefined;
      }, 20_000);
      expect(failed.status).toBe('pending');
      expect(failed.lastError).toMatch(/ECONNREFUSED/);

      // Acknowledged, then killed at once: its event is in the outbox, maybe not fanned out yet.
      expect((await patchMeta('at-kill', { step: 2 })).status).toBe(200);
      server.child.kill('SIGKILL');
      await server.exited;
      server = undefined;

      await receiver.start(port);
      server = await startServerProcess(database, env);
      const got = await waitFor('both deliveries after the restart', () => {
        const users = new Set(receiver.received.map((r) => r.json.data.userId));
        return users.has('before-kill') && users.has('at-kill') ? receiver.received : undefined;
      }, 30_000);
      const first = got.filter((r) => r.json.data.userId === 'before-kill');
      expect(first[0]!.headers['webhook-id']).toBe(failed.id);
      for (const request of got) expect(verifyStandardWebhook(hook.json.secret as string, request.headers, request.body)).toBe(true);
      // One delivery per event: a redelivery (at least once) would carry the same webhook-id.
      const deliveries = (await admin('GET', `/webhooks/${hook.json.id as string}/deliveries`)).json.data as Array<Record<string, any>>;
      expect(deliveries.map((d) => d.userId).sort()).toEqual(['at-kill', 'before-kill']);
      expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set(deliveries.map((d) => d.id)));
      await waitFor('both recorded as succeeded', async () => {
        const rows = (await admin('GET', `/webhooks/${hook.json.id as string}/deliveries`)).json.data as Array<Record<string, any>>;
        return rows.every((d) => d.status === 'succeeded');
      });
    }, 90_000);
  });
}
