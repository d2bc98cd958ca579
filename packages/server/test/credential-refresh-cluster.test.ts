import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MutableResponse } from 'oauth2-mock-server';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, createTestDatabase, signToken, type TestDatabase } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { MockProvider } from './support/oauth-provider.ts';
import { createProjectWithCli, processEnv, startServerProcess, type ServerProcess } from './support/server-process.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const CREDENTIALS = 20;
const NODE_ENV = {
  PORTICO_JOB_LEASE_MS: '5000', PORTICO_JOB_POLL_INTERVAL_MS: '100', PORTICO_JOB_CONCURRENCY: '8',
  PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'debug',
};

/**
 * Two real `portico serve` processes on one PostgreSQL database renew the same expiring credentials:
 * their renewal jobs and on-demand renewals (getIntegrationAccount with accountAuth, asked of both
 * nodes at once) race, and the provider still sees each refresh token exactly once.
 */
describe.skipIf(!STORES.includes('postgres'))('credential renewal across two server processes (postgres)', () => {
  let database: TestDatabase;
  const nodes: ServerProcess[] = [];
  const provider = new MockProvider();
  const sink = http.createServer();
  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await provider.stop().catch(() => undefined);
    sink.close();
    await database?.drop();
  });

  it('refreshes each of 20 expiring credentials exactly once, and revokes on uninstall without logging a token', async () => {
    const refreshes = new Map<string, number>();
    await provider.start();
    provider.server.service.on('beforeResponse', (response: MutableResponse, request: IncomingMessage & { body: Record<string, string> }) => {
      const body = response.body as Record<string, unknown>;
      if (request.body.grant_type !== 'refresh_token') return;
      const presented = request.body.refresh_token!;
      refreshes.set(presented, (refreshes.get(presented) ?? 0) + 1);
      body.access_token = `renewed-access-${randomUUID()}`;
      body.refresh_token = `renewed-refresh-${randomUUID()}`;
      body.expires_in = 3600;
    });
    const revoked: string[] = [];
    sink.on('request', (request: IncomingMessage, response: http.ServerResponse) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        revoked.push(new URLSearchParams(text).get('token') ?? '');
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));

    database = await createTestDatabase('postgres');
    await run(process.execPath, [BIN, 'migrate'], { env: processEnv(database) });
    const project: CreatedProject = await createProjectWithCli(database);
    nodes.push(...(await Promise.all(['a', 'b'].map((n) => startServerProcess(database, { ...NODE_ENV, PORTICO_NODE_ID: `node-${n}` })))));
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const admin = (node: ServerProcess, method: string, adminPath: string, body?: unknown) => fetch(`${node.url}/api/v1/projects/${project.projectId}${adminPath}`, {
      method, headers: { authorization: `Bearer ${project.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const sdk = async (node: ServerProcess, sub: string, method: string, sdkPath: string) => fetch(`${node.url}/projects/${project.projectId}/sdk${sdkPath}`, {
      method, headers: { authorization: `Bearer ${await signToken(project, sub)}` },
    });

    const created = await admin(a, 'POST', '/integrations', {
      type: 'custom', name: 'Cluster CRM', clientId: 'cluster-client', clientSecret: 'CLUSTER-CLIENT-SECRET',
      auth: { scheme: 'oauth2', ...provider.endpoints(), revokeUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/revoke` },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const integration = (await created.json()) as { id: string; type: string };

    // Tokens of 2 s: due for renewal 1.5 s after the import, on whichever node gets there first.
    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const originals = Array.from({ length: CREDENTIALS }, (_, i) => ({ sub: `cluster-user-${i}`, accessToken: `old-access-${i}-${randomUUID()}`, refreshToken: `old-refresh-${i}-${randomUUID()}` }));
    const ids = await Promise.all(originals.map(async (c, i) => {
      const imported = await admin(i % 2 === 0 ? a : b, 'POST', `/users/${c.sub}/credentials`, { integration: integration.type, accessToken: c.accessToken, refreshToken: c.refreshToken, expiresAt });
      expect(imported.status, await imported.clone().text()).toBe(201);
      return ((await imported.json()) as { id: string }).id;
    }));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - 400 - Date.now())));

    // Both nodes hand out the account's token at once, while the renewal jobs run.
    const answers = await Promise.all(originals.flatMap((c) => [a, b].map(async (node) => {
      const response = await sdk(node, c.sub, 'GET', `/credentials?integration=${integration.type}&includeAccountAuth=true`);
      expect(response.status).toBe(200);
      return { sub: c.sub, token: ((await response.json()) as { accountAuth: { OAUTH_ACCESS_TOKEN: string } }).accountAuth.OAUTH_ACCESS_TOKEN };
    })));

    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      await waitFor('every credential to be renewed', async () => {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM credentials WHERE refreshed_at IS NOT NULL');
        return Number(rows[0]!.n) === CREDENTIALS || undefined;
      }, 20_000);
      // Give a duplicate renewal, if there were one, the time to show up.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const c of originals) expect(refreshes.get(c.refreshToken), `refreshes of ${c.sub}`).toBe(1);
      expect([...refreshes.values()].reduce((x, y) => x + y, 0)).toBe(CREDENTIALS);

      const { rows } = await client.query<{ id: string; status: string; refresh_failure_count: number; expires_at: Date }>(
        'SELECT id, status, refresh_failure_count, expires_at FROM credentials WHERE id = ANY($1)', [ids]);
      expect(rows).toHaveLength(CREDENTIALS);
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'VALID', refresh_failure_count: 0 });
        expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 3000_000);
      }
      // Whoever answered after the renewal handed out the renewed token, never a third one.
      for (const answer of answers) {
        const original = originals.find((c) => c.sub === answer.sub)!;
        expect(answer.token === original.accessToken || answer.token.startsWith('renewed-access-')).toBe(true);
      }
      const renewedTokens = await Promise.all(originals.map(async (c) => {
        const response = await sdk(b, c.sub, 'GET', `/credentials?integration=${integration.type}&includeAccountAuth=true`);
        return ((await response.json()) as { accountAuth: { OAUTH_ACCESS_TOKEN: string } }).accountAuth.OAUTH_ACCESS_TOKEN;
      }));
      for (const answer of answers) {
        if (answer.token.startsWith('renewed-access-')) expect(renewedTokens).toContain(answer.token);
      }

      // Uninstall on one node: the revocation job (on either node) tells the provider, and no log line carries a token.
      const first = originals[0]!;
      expect((await sdk(b, first.sub, 'DELETE', `/integrations/${integration.id}`)).status).toBe(200);
      await waitFor('the revocation', () => revoked.length > 0 || undefined, 10_000);
      expect(revoked[0]).toMatch(/^renewed-refresh-/);
      // The provider sees the call before the node logs its answer: wait for the line too.
      await waitFor('the revocation log line', () => nodes.some((n) => n.output().includes('token revoked at the provider')) || undefined, 10_000);
      const output = nodes.map((n) => n.output()).join('\n');
      for (const secret of [revoked[0]!, ...originals.flatMap((c) => [c.accessToken, c.refreshToken]), ...renewedTokens, 'CLUSTER-CLIENT-SECRET']) {
        expect(output.includes(secret), 'a token or secret in the server log').toBe(false);
      }
    } finally {
      await client.end();
    }
  }, 90_000);
});
