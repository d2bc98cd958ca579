import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgChangeNotifier } from '../src/platform/events/index.ts';
import { createJobs, type Job } from '../src/platform/jobs/index.ts';
import { retryDelayMs } from '../src/platform/jobs/backoff.ts';
import { pruneFinishedJobs } from '../src/platform/jobs/retention.ts';
import { STORES, startPortico } from './harness.ts';
import { jobsFixture, waitFor, type JobsFixture } from './support/jobs.ts';

describe('retry backoff', () => {
  it('doubles per attempt up to the cap, with at most half of it random', () => {
    const options = { baseMs: 1000, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, options, () => 1))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect([1, 2, 3].map((a) => retryDelayMs(a, options, () => 0))).toEqual([500, 1000, 2000]);
  });
});

for (const kind of STORES) {
  describe(`GET /metrics (${kind})`, () => {
    it('serves the process registry in Prometheus text format, with the job queue depth', async () => {
      const portico = await startPortico(kind);
      try {
        await portico.ctx.jobs.enqueue('report.build', { week: 12 });
        const response = await portico.app.inject({ method: 'GET', url: '/metrics' });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(response.body).toContain('# TYPE portico_jobs gauge');
        expect(response.body).toContain('portico_jobs{state="queued"} 1');
      } finally {
        await portico.close();
      }
    });
  });

  describe(`jobs (${kind})`, () => {
    let fx: JobsFixture;
    beforeEach(async () => {
      fx = await jobsFixture(kind);
    });
    afterEach(() => fx.close());

    const stateOf = async (id: string) => (await fx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow());

    it('runs an enqueued job once, with its payload, and marks it succeeded', async () => {
      const queue = fx.queue();
      const seen: Array<{ payload: unknown; attempt: number; jobId: string }> = [];
      queue.register<{ to: string }>('email.send', async (payload, helpers) => {
        seen.push({ payload, attempt: helpers.attempt, jobId: helpers.jobId });
      });
      await queue.start();
      const job = await queue.enqueue('email.send', { to: 'ada@example.com' });
      expect(job).toMatchObject({ name: 'email.send', state: 'queued', attempts: 0, maxAttempts: 5, payload: { to: 'ada@example.com' } });
      const done = await waitFor('the job to succeed', async () => (await queue.get(job.id))?.state === 'succeeded' && queue.get(job.id));
      expect(seen).toEqual([{ payload: { to: 'ada@example.com' }, attempt: 1, jobId: job.id }]);
      expect(done).toMatchObject({ attempts: 1, lockedBy: null, lockedUntil: null, lastError: null });
      expect(done!.finishedAt).not.toBeNull();
    });

    it('retries a failing job with growing delays, then succeeds', async () => {
      const queue = fx.queue({ backoff: { baseMs: 80, maxMs: 5000 } });
      const failedAt: number[] = [];
      const scheduledRetry: string[] = [];
      queue.register('flaky', async (_payload, helpers) => {
        if (helpers.attempt > 1) scheduledRetry.push((await queue.get(helpers.jobId))!.runAt);
        if (helpers.attempt < 3) {
          failedAt.push(Date.now());
          throw new Error(`upstream said no (attempt ${helpers.attempt})`);
        }
      });
      await queue.start();
      const job = await queue.enqueue('flaky', {});
      const done = await waitFor('the third attempt to succeed', async () => (await stateOf(job.id)).state === 'succeeded' && stateOf(job.id));
      expect(done.attempts).toBe(3);
      expect(done.last_error).toContain('upstream said no (attempt 2)');
      // Equal jitter: a retry is scheduled at least half the exponential delay after the failure.
      expect(Date.parse(scheduledRetry[0]!) - failedAt[0]!).toBeGreaterThanOrEqual(40);
      expect(Date.parse(scheduledRetry[1]!) - failedAt[1]!).toBeGreaterThanOrEqual(80);
    });

    it('moves a job to dead after maxAttempts, keeps the last error, and retries it on request', async () => {
      const queue = fx.queue();
      let healthy = false;
      queue.register('charge', async (_payload, helpers) => {
        if (!healthy) throw new Error(`card declined on attempt ${helpers.attempt}`);
      });
      await queue.start();
      const job = await queue.enqueue('charge', { amount: 5 }, { maxAttempts: 2 });
      const dead = await waitFor('the job to go dead', async () => (await queue.get(job.id))?.state === 'dead' && queue.get(job.id));
      expect(dead).toMatchObject({ attempts: 2, lockedBy: null });
      expect(dead!.lastError).toContain('card declined on attempt 2');
      expect((await queue.list({ state: 'dead' })).map((j) => j.id)).toEqual([job.id]);

      expect(await queue.retry('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      healthy = true;
      const retried = await queue.retry(job.id);
      expect(retried).toMatchObject({ state: 'queued', attempts: 0 });
      await waitFor('the retried job to succeed', async () => (await queue.get(job.id))?.state === 'succeeded');
      expect(await queue.retry(job.id)).toBeUndefined();
    });

    it('returns the existing job for an idempotency key and adds nothing', async () => {
      const queue = fx.queue();
      const first = await queue.enqueue('welcome', { v: 1 }, { key: 'welcome:user-1' });
      const second = await queue.enqueue('welcome', { v: 2 }, { key: 'welcome:user-1' });
      const other = await queue.enqueue('welcome', { v: 3 }, { key: 'welcome:user-2' });
      expect(second.id).toBe(first.id);
      expect(second.payload).toEqual({ v: 1 });
      expect(other.id).not.toBe(first.id);
      const rows = await fx.db.selectFrom('jobs').select('key').where('name', '=', 'welcome').execute();
      expect(rows.map((r) => r.key).sort()).toEqual(['welcome:user-1', 'welcome:user-2']);
    });

    it('commits a job with the transaction that enqueued it, and drops it with a rollback', async () => {
      const queue = fx.queue();
      await expect(
        fx.db.transaction().execute(async (trx) => {
          await queue.enqueue('audit', { n: 1 }, { trx });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await fx.db.selectFrom('jobs').select('id').where('name', '=', 'audit').execute()).toEqual([]);

      const committed = await fx.db.transaction().execute((trx) => queue.enqueue('audit', { n: 2 }, { trx }));
      expect((await queue.get(committed.id))?.payload).toEqual({ n: 2 });
    });

    it.runIf(kind === 'postgres')('wakes a worker on another node when a job is enqueued there, before its next poll', async () => {
      const notifier = new PgChangeNotifier({ connectionString: fx.database.databaseUrl!, applicationName: 'worker-node' });
      await notifier.start();
      const ran: string[] = [];
      const worker = fx.queue({ store: fx.openStore(), pollIntervalMs: 60_000, notifier });
      worker.register<{ n: string }>('remote.work', async (payload) => void ran.push(payload.n));
      await worker.start();
      try {
        // The worker's first poll found nothing; the next one is a minute away. Only the message can wake it.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const enqueuer = fx.queue();
        await enqueuer.enqueue('remote.work', { n: 'plain' });
        await waitFor('the job enqueued elsewhere to run', () => ran.includes('plain'), 5000);
        await fx.db.transaction().execute((trx) => enqueuer.enqueue('remote.work', { n: 'in a transaction' }, { trx }));
        await waitFor('the job enqueued in a transaction to run', () => ran.includes('in a transaction'), 5000);
        expect(ran).toEqual(['plain', 'in a transaction']);
      } finally {
        await worker.stop({ drainMs: 0 });
        await notifier.stop();
      }
    });

    it('runs a job again after the lease of a vanished worker expires', async () => {
      const crashing = fx.queue({ leaseMs: 600 });
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      crashing.register('import', async (_payload, helpers) => {
        started();
        await new Promise((resolve) => helpers.signal.addEventListener('abort', resolve));
      });
      await crashing.start();
      const job = await crashing.enqueue('import', { file: 'a.csv' });
      await running;
      await crashing.stop({ releaseLeases: false });
      expect((await stateOf(job.id)).locked_by).toBe(crashing.workerId);

      const survivor = fx.queue({ leaseMs: 600 });
      const runs: number[] = [];
      survivor.register('import', async (_payload, helpers) => {
        runs.push(helpers.attempt);
      });
      await survivor.start();
      const done = await waitFor('the job to run again elsewhere', async () => (await stateOf(job.id)).state === 'succeeded' && stateOf(job.id));
      expect(runs).toEqual([2]);
      expect(done.last_error).toContain(`The lease of worker ${crashing.workerId} expired`);
    });

    it('keeps the lease of a long run alive with heartbeats', async () => {
      const queue = fx.queue({ leaseMs: 400 });
      const attempts: number[] = [];
      queue.register('long', async (_payload, helpers) => {
        attempts.push(helpers.attempt);
        await new Promise((r) => setTimeout(r, 1500));
      });
      const other = fx.queue({ leaseMs: 400 });
      other.register('long', async (_payload, helpers) => {
        attempts.push(helpers.attempt);
      });
      await queue.start();
      const job = await queue.enqueue('long', {});
      await waitFor('the first run to start', () => attempts.length === 1);
      await other.start();
      await waitFor('the job to succeed', async () => (await stateOf(job.id)).state === 'succeeded', 5000);
      expect(attempts).toEqual([1]);
    });

    it('aborts a run that exceeds its timeout and retries it', async () => {
      const queue = fx.queue();
      const reasons: string[] = [];
      queue.register('slow', async (_payload, helpers) => {
        if (helpers.attempt > 1) return;
        await new Promise<void>((resolve) => helpers.signal.addEventListener('abort', () => {
          reasons.push(String((helpers.signal.reason as Error).name));
          resolve();
        }));
      }, { timeoutMs: 100 });
      await queue.start();
      const job = await queue.enqueue('slow', {});
      const done = await waitFor('the retry to succeed', async () => (await stateOf(job.id)).state === 'succeeded' && stateOf(job.id));
      expect(done.attempts).toBe(2);
      expect(done.last_error).toContain('longer than 100 ms');
      expect(reasons).toEqual(['JobTimeoutError']);
    });

    it('drains on stop: finishes short runs, releases the lease of one that outlasts the bound', async () => {
      const queue = fx.queue({ concurrency: 2 });
      queue.register('quick', async () => {
        await new Promise((r) => setTimeout(r, 100));
      });
      queue.register('stuck', async (_payload, helpers) => {
        await new Promise((resolve) => helpers.signal.addEventListener('abort', resolve));
      });
      await queue.start();
      const quick = await queue.enqueue('quick', {});
      const stuck = await queue.enqueue('stuck', {});
      await waitFor('both to run', async () => (await stateOf(quick.id)).state === 'running' && (await stateOf(stuck.id)).state === 'running');
      await queue.stop({ drainMs: 400 });
      expect((await stateOf(quick.id)).state).toBe('succeeded');
      expect(await stateOf(stuck.id)).toMatchObject({ state: 'queued', attempts: 0, locked_by: null });
    });

    it('commits the writes of helpers.complete only while the run holds its lease', async () => {
      const queue = fx.queue();
      queue.register('transfer', async (_payload, helpers) => {
        await helpers.complete(async (trx) => {
          await trx.updateTable('jobs').set({ last_error: 'written with the success' }).where('id', '=', helpers.jobId).execute();
        });
      });
      await queue.start();
      const job = await queue.enqueue('transfer', {});
      const done = await waitFor('the job to succeed', async () => (await stateOf(job.id)).state === 'succeeded' && stateOf(job.id));
      expect(done.last_error).toBe('written with the success');
      expect(done.attempts).toBe(1);
    });

    it('exposes queue depth, latency, duration and outcome counters on the registry', async () => {
      const registry = new Registry();
      const queue = fx.queue({ registry });
      queue.register('ok', async () => undefined);
      queue.register('bad', async () => {
        throw new Error('nope');
      });
      await queue.enqueue('ok', {});
      await queue.enqueue('bad', {}, { maxAttempts: 1 });
      await queue.enqueue('later', {}, { runAt: new Date(Date.now() + 3_600_000) });
      expect(await registry.metrics()).toContain('portico_jobs{state="queued"} 3');
      await queue.start();
      await waitFor('both to finish', async () => (await queue.list({ state: 'queued' })).length === 1);
      await waitFor('the counters', async () => {
        const text = await registry.metrics();
        return text.includes('portico_jobs_succeeded_total{name="ok"} 1') && text.includes('portico_jobs_dead_total{name="bad"} 1');
      });
      const text = await registry.metrics();
      expect(text).toContain('portico_jobs{state="dead"} 1');
      expect(text).toContain('portico_job_start_latency_seconds_count{name="ok"} 1');
      expect(text).toContain('portico_job_duration_seconds_count{name="bad",outcome="dead"} 1');
    });

    it('retention deletes succeeded jobs after their age and dead ones after theirs', async () => {
      const queue = createJobs({ store: fx.store, nodeId: 'n1' });
      const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
      const make = async (state: 'succeeded' | 'dead', finishedDaysAgo: number) => {
        const job: Job = await queue.enqueue('x', {});
        await fx.db.updateTable('jobs').set({ state, finished_at: days(finishedDaysAgo) }).where('id', '=', job.id).execute();
        return job.id;
      };
      const oldSucceeded = await make('succeeded', 8);
      const newSucceeded = await make('succeeded', 6);
      const oldDead = await make('dead', 31);
      const newDead = await make('dead', 29);
      const waiting = (await queue.enqueue('x', {})).id;
      const deleted = await pruneFinishedJobs(fx.db, new Date(), {});
      expect(deleted).toMatchObject({ succeeded: 1, dead: 1 });
      const left = (await fx.db.selectFrom('jobs').select('id').execute()).map((r) => r.id).sort();
      expect(left).toEqual([newSucceeded, newDead, waiting].sort());
      expect(left).not.toContain(oldSucceeded);
      expect(left).not.toContain(oldDead);
    });
  });
}
