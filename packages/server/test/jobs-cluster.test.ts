import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SelftestReport } from '../src/platform/jobs/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';
import { processEnv, startServerProcess, type ServerProcess } from './support/server-process.ts';
import { waitFor } from './support/jobs.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const JOBS = 1000;

/** Short leases and polls so a killed node's jobs come back within seconds. */
const FAST_JOBS = { PORTICO_JOB_LEASE_MS: '2000', PORTICO_JOB_POLL_INTERVAL_MS: '100', PORTICO_JOB_CONCURRENCY: '8', PORTICO_JOB_DRAIN_TIMEOUT_MS: '2000' };

interface RunRecord {
  job_id: string;
  attempt: number;
  node_id: string;
  started_at: Date;
  finished_at: Date | null;
}

describe.skipIf(!STORES.includes('postgres'))('jobs across three real server processes (postgres)', () => {
  let database: TestDatabase;
  const nodes: ServerProcess[] = [];
  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await database?.drop();
  });

  it('runs 1,000 selftest jobs to completion exactly once while a node is killed -9 mid-run', async () => {
    database = await createTestDatabase('postgres');
    await run(process.execPath, [BIN, 'migrate'], { env: processEnv(database) });
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map((n) => startServerProcess(database, { ...FAST_JOBS, PORTICO_NODE_ID: `node-${n}` })))));
    const victim = nodes[1]!;

    const selftest = spawn(process.execPath, [BIN, 'jobs', 'selftest', '--count', String(JOBS), '--sleep-ms', '100', '--timeout-s', '90', '--json'], {
      env: processEnv(database),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    selftest.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    selftest.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const selftestExit = new Promise<number | null>((resolve) => selftest.once('exit', (code) => resolve(code)));

    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      const finishedRuns = async () => Number((await client.query('SELECT count(*) AS n FROM job_selftest_runs WHERE finished_at IS NOT NULL')).rows[0].n);
      const victimBusy = async () => Number((await client.query("SELECT count(*) AS n FROM job_selftest_runs WHERE node_id = 'node-b' AND finished_at IS NULL")).rows[0].n) > 0;
      await waitFor('a third of the jobs to finish, with runs in flight on node-b', async () => (await finishedRuns()) >= JOBS * 0.3 && victimBusy(), 60_000);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      expect(await finishedRuns(), 'the kill came too late to land mid-run').toBeLessThan(JOBS);

      expect(await selftestExit, `${stdout}\n${stderr}`).toBe(0);
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as SelftestReport;
      expect(report).toMatchObject({ count: JOBS, succeeded: JOBS, dead: 0, lost: 0, duplicateRuns: 0, finishedTwice: 0, timedOut: false, ok: true });

      // The same checks, made here from the rows themselves.
      const jobs = (await client.query<{ id: string; state: string; attempts: number }>("SELECT id, state, attempts FROM jobs WHERE name = 'portico.selftest'")).rows;
      const runs = (await client.query<RunRecord>('SELECT job_id, attempt, node_id, started_at, finished_at FROM job_selftest_runs WHERE batch = $1', [report.batch])).rows;
      expect(jobs).toHaveLength(JOBS);
      expect(jobs.filter((j) => j.state !== 'succeeded')).toEqual([]);
      const runsOf = new Map<string, RunRecord[]>();
      for (const r of runs) runsOf.set(r.job_id, [...(runsOf.get(r.job_id) ?? []), r]);

      let rerun = 0;
      for (const job of jobs) {
        const own = (runsOf.get(job.id) ?? []).sort((x, y) => x.started_at.getTime() - y.started_at.getTime());
        const finished = own.filter((r) => r.finished_at !== null);
        expect(finished, `job ${job.id} must finish exactly once`).toHaveLength(1);
        const last = own.at(-1)!;
        expect(last.finished_at, `the last run of ${job.id} is the one that finished`).not.toBeNull();
        expect(last.attempt).toBe(job.attempts);
        // Every earlier run was on the killed node and never finished; the run that finished began
        // only after that node was dead, so no two runs of a job overlapped.
        for (const earlier of own.slice(0, -1)) {
          expect(earlier).toMatchObject({ node_id: 'node-b', finished_at: null });
          expect(earlier.started_at.getTime()).toBeLessThanOrEqual(killedAt);
          expect(last.started_at.getTime()).toBeGreaterThan(killedAt);
        }
        if (own.length > 1) rerun++;
      }
      // No run on a live node was left unfinished: live nodes never had a job taken from under them.
      expect(runs.filter((r) => r.finished_at === null && r.node_id !== 'node-b')).toEqual([]);
      // The kill did interrupt runs, and each of them ran again on a surviving node.
      expect(rerun).toBeGreaterThan(0);
      expect(report.rerun).toBe(rerun);
      expect(Object.keys(report.finishedByNode).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    } finally {
      await client.end();
      selftest.kill('SIGKILL');
    }

    for (const node of [nodes[0]!, nodes[2]!]) node.child.kill('SIGTERM');
    for (const node of [nodes[0]!, nodes[2]!]) expect(await node.exited).toEqual({ code: 0, signal: null });
  }, 110_000);
});
