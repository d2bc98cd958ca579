import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { jobsDb } from '../src/platform/jobs/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';
import { waitFor } from './support/jobs.ts';
import { processEnv } from './support/server-process.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const FAST_JOBS = { PORTICO_JOB_POLL_INTERVAL_MS: '100', PORTICO_JOB_LEASE_MS: '2000' };

async function portico(database: TestDatabase, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--data', database.dataDir], { env: processEnv(database, FAST_JOBS) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function startWorker(database: TestDatabase) {
  const child = spawn(process.execPath, [BIN, 'worker', '--data', database.dataDir], { env: processEnv(database, { ...FAST_JOBS, PORTICO_NODE_ID: 'lone-worker' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Portico worker lone-worker#')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`portico worker exited (${code}) before starting:\n${output}`)));
  });
  return { child, exited, ready, output: () => output };
}

for (const kind of STORES) {
  describe(`portico jobs commands (${kind})`, () => {
    let database: TestDatabase;
    let store: Store;
    const jobs = () => jobsDb(store.db).selectFrom('jobs').select(['id', 'state']);
    beforeAll(async () => {
      database = await createTestDatabase(kind);
      store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 2 });
      await migrateToLatest(store);
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    it('runs no jobs on a --no-worker server; `portico worker` runs them and finishes running ones on SIGTERM', async () => {
      const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-worker', '--data', database.dataDir], { env: processEnv(database, FAST_JOBS), stdio: ['ignore', 'pipe', 'pipe'] });
      const serverExited = new Promise((resolve) => server.once('exit', resolve));
      try {
        let banner = '';
        await new Promise<void>((resolve) => server.stdout.on('data', (d: Buffer) => (banner += d.toString()).includes('API reference') && resolve()));
        expect(banner).toContain('no worker on this node (--no-worker)');
        const starved = await portico(database, 'jobs', 'selftest', '--count', '3', '--sleep-ms', '1', '--timeout-s', '2');
        expect(starved.code).toBe(1);
        expect(starved.stdout).toContain('(timed out)');
        expect(starved.stderr).toContain('selftest found a problem: 3 lost');
      } finally {
        server.kill('SIGTERM');
        await serverExited;
      }

      const worker = startWorker(database);
      await worker.ready;
      const quick = await portico(database, 'jobs', 'selftest', '--count', '20', '--sleep-ms', '5', '--timeout-s', '60', '--json');
      expect(quick.code, quick.stderr).toBe(0);
      expect(JSON.parse(quick.stdout)).toMatchObject({ succeeded: 20, lost: 0, ok: true, finishedByNode: { 'lone-worker': 20 } });
      // The three jobs enqueued while no worker ran were not lost either.
      await waitFor('the starved jobs to run', async () => (await jobs().where('state', '!=', 'succeeded').execute()).length === 0);

      // SIGTERM while jobs run: the worker finishes them (within its drain bound) before it exits.
      const slow = portico(database, 'jobs', 'selftest', '--count', '2', '--sleep-ms', '2500', '--timeout-s', '60', '--json');
      await waitFor('both slow jobs to run', async () => (await jobs().where('state', '=', 'running').execute()).length === 2, 30_000);
      worker.child.kill('SIGTERM');
      expect(await worker.exited, worker.output()).toBe(0);
      const drained = await slow;
      expect(drained.code, drained.stderr).toBe(0);
      expect(JSON.parse(drained.stdout)).toMatchObject({ succeeded: 2, rerun: 0, ok: true });
    }, 90_000);

    it('lists jobs, and retries only dead ones (usage errors exit 2)', async () => {
      expect((await portico(database, 'jobs', 'list', '--state', 'dead')).stdout).toBe('No jobs in state dead.\n');
      const listed = JSON.parse((await portico(database, 'jobs', 'list', '--limit', '2', '--json')).stdout) as Array<{ id: string; state: string }>;
      expect(listed).toHaveLength(2);
      expect(listed.every((j) => j.state === 'succeeded')).toBe(true);

      const notDead = await portico(database, 'jobs', 'retry', listed[0]!.id);
      expect(notDead).toMatchObject({ code: 1 });
      expect(notDead.stderr).toContain('is succeeded, not dead');
      const unknown = await portico(database, 'jobs', 'retry', '00000000-0000-4000-8000-000000000000');
      expect(unknown).toMatchObject({ code: 1 });
      expect(unknown.stderr).toContain('No job with id');

      expect((await portico(database, 'jobs', 'retry')).code).toBe(2);
      expect((await portico(database, 'jobs', 'list', '--state', 'broken')).code).toBe(2);
    }, 60_000);
  });
}
