import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, createTestDatabase, signToken, type TestDatabase } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { createProjectWithCli, startServerProcess, processEnv, type ServerProcess } from './support/server-process.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const USERS = 5;
const NODE_ENV = {
  PORTICO_JOB_LEASE_MS: '3000', PORTICO_JOB_POLL_INTERVAL_MS: '100', PORTICO_JOB_CONCURRENCY: '8',
  PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'info',
};

interface Hit {
  path: string;
  body: Record<string, unknown>;
}

/**
 * Three real `portico serve` processes on one PostgreSQL database: a schedule ticks exactly once
 * per user and tick while the nodes share the runs, and a run whose node is killed with SIGKILL in
 * the middle of a step goes on elsewhere as the same execution, and finishes once.
 */
describe.skipIf(!STORES.includes('postgres'))('workflows across three server processes (postgres)', () => {
  let database: TestDatabase;
  const nodes: ServerProcess[] = [];
  const hits: Hit[] = [];
  let holdFirst: (() => void) | undefined;
  let held = false;
  const sink = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const url = request.url ?? '';
      hits.push({ path: url, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      const answer = () => {
        if (!response.destroyed) response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, at: url }));
      };
      if (url === '/hold' && !held) {
        held = true;
        holdFirst = answer;
        return;
      }
      answer();
    });
  });

  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    holdFirst?.();
    sink.closeAllConnections();
    sink.close();
    await database?.drop();
  });

  it('ticks once per user and tick on three nodes, shares the runs, and finishes a run whose node was killed mid-step exactly once', async () => {
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    database = await createTestDatabase('postgres');
    await run(process.execPath, [BIN, 'migrate'], { env: processEnv(database) });
    const project: CreatedProject = await createProjectWithCli(database);
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map((n) => startServerProcess(database, { ...NODE_ENV, PORTICO_NODE_ID: `node-${n}` })))));
    const admin = async (node: ServerProcess, method: string, adminPath: string, body?: unknown) => {
      const response = await fetch(`${node.url}/api/v1/projects/${project.projectId}${adminPath}`, {
        method, headers: { authorization: `Bearer ${project.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      expect(response.status, text).toBeLessThan(300);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const sdk = async (node: ServerProcess, sub: string, method: string, sdkPath: string, body?: unknown) => fetch(`${node.url}/projects/${project.projectId}/sdk${sdkPath}`, {
      method,
      headers: { authorization: `Bearer ${await signToken(project, sub)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];

    const integration = await admin(a, 'POST', '/integrations', {
      type: 'custom', name: 'Cluster CRM', clientId: 'cid', clientSecret: 'csecret',
      auth: { scheme: 'oauth2', authorizationUrl: 'https://crm.example.com/authorize', tokenUrl: 'https://crm.example.com/token' },
    });
    const schedule = await admin(b, 'POST', '/workflows', {
      name: 'Every 2 s', integration: integration.type,
      trigger: { type: 'schedule', cron: '*/2 * * * * *' },
      steps: [{ id: 'tick', type: 'http', method: 'POST', url: `${sinkUrl}/tick`, body: { user: '{{user.id}}' } }],
    });
    const subs = Array.from({ length: USERS }, (_, i) => `cluster-user-${i}`);
    for (const [i, sub] of subs.entries()) {
      const node = nodes[i % 3]!;
      await admin(node, 'POST', `/users/${sub}/credentials`, { integration: integration.type, accessToken: `token-${sub}` });
      // The other nodes hear of the new workflow through NOTIFY, within moments.
      await waitFor(`${sub} enabling the schedule`, async () => (await sdk(node, sub, 'POST', `/workflows/${String(schedule.id)}`)).status === 200 || undefined);
    }

    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      // About four ticks per user.
      await new Promise((resolve) => setTimeout(resolve, 9000));
      for (const sub of subs) expect((await sdk(a, sub, 'DELETE', `/workflows/${String(schedule.id)}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2500));

      const { rows } = await client.query<{ end_user_id: string; status: string; trigger_input: string }>(
        'SELECT end_user_id, status, trigger_input FROM workflow_executions WHERE workflow_id = $1', [schedule.id]);
      const tickHits = hits.filter((h) => h.path === '/tick');
      for (const sub of subs) {
        const mine = rows.filter((r) => r.end_user_id === sub);
        const moments = mine.map((r) => (JSON.parse(r.trigger_input) as { event: { scheduledAt: string } }).event.scheduledAt);
        expect(mine.filter((r) => r.status === 'SUCCEEDED').length, `ticks of ${sub}`).toBeGreaterThanOrEqual(3);
        expect(new Set(moments).size, `one execution per tick for ${sub}`).toBe(mine.length);
        // A tick queued when the user switched the workflow off is cancelled (and calls nothing); every other run succeeded.
        const succeeded = mine.filter((r) => r.status === 'SUCCEEDED').length;
        const cancelled = mine.filter((r) => r.status === 'CANCELLED').length;
        expect(succeeded + cancelled, `runs of ${sub}: ${mine.map((r) => r.status).join(',')}`).toBe(mine.length);
        expect(cancelled, `runs of ${sub} cancelled by the switch-off`).toBeLessThanOrEqual(1);
        expect(tickHits.filter((h) => h.body.user === sub).length, `calls made for ${sub}`).toBe(succeeded);
      }
      const workers = nodes.map((n) => (n.output().match(/workflow execution succeeded/g) ?? []).length);
      expect(workers.filter((count) => count > 0).length, `runs per node: ${workers.join(', ')}`).toBeGreaterThanOrEqual(2);

      // A run in the middle of a step when its node is killed goes on elsewhere, as the same execution.
      const slow = await admin(c, 'POST', '/workflows', {
        name: 'Two steps', integration: integration.type, trigger: { type: 'event', event: 'Go' },
        steps: [
          { id: 'first', type: 'http', method: 'POST', url: `${sinkUrl}/hold`, body: { user: '{{user.id}}' } },
          { id: 'second', type: 'http', method: 'POST', url: `${sinkUrl}/after`, body: { first: '{{steps.first.output.at}}' } },
        ],
      });
      await waitFor('enabling the two-step workflow', async () => (await sdk(a, subs[0]!, 'POST', `/workflows/${String(slow.id)}`)).status === 200 || undefined);
      const sent = await sdk(a, subs[0]!, 'POST', '/events/trigger', { name: 'Go', payload: {} });
      expect(sent.status).toBe(201);
      const [executionId] = ((await sent.json()) as { executionIds: string[] }).executionIds;
      await waitFor('the held first step', () => held || undefined, 15_000);
      const { rows: running } = await client.query<{ locked_by: string }>(
        "SELECT locked_by FROM jobs WHERE name = 'portico.workflows.run' AND state = 'running' AND payload::text LIKE $1", [`%${executionId}%`]);
      const victim = nodes.find((n) => running[0]?.locked_by.startsWith(n === a ? 'node-a' : n === b ? 'node-b' : 'node-c'));
      expect(victim, `the node running ${executionId}: ${running[0]?.locked_by}`).toBeDefined();
      victim!.child.kill('SIGKILL');
      await victim!.exited;
      const killedAt = Date.now();
      holdFirst?.();
      // A restarted node joins in.
      nodes.push(await startServerProcess(database, { ...NODE_ENV, PORTICO_NODE_ID: 'node-d' }));

      await waitFor('the interrupted run to finish', async () => {
        const { rows: done } = await client.query<{ status: string }>('SELECT status FROM workflow_executions WHERE id = $1', [executionId]);
        return done[0]?.status === 'SUCCEEDED' || undefined;
      }, 60_000);
      expect(Date.now() - killedAt).toBeLessThan(60_000);
      const { rows: executions } = await client.query('SELECT id FROM workflow_executions WHERE workflow_id = $1', [slow.id]);
      expect(executions.map((e: { id: string }) => e.id)).toEqual([executionId]);
      // The step cut off by the kill ran again (at least once); the step after it ran exactly once.
      expect(hits.filter((h) => h.path === '/hold').length).toBe(2);
      expect(hits.filter((h) => h.path === '/after')).toEqual([{ path: '/after', body: { first: '/hold' } }]);
    } finally {
      await client.end();
    }
  }, 150_000);
});
