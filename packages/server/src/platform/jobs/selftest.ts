import { randomUUID } from 'node:crypto';
import type { JobsDb } from './jobs.repository.ts';
import { jobsDb, type JobQueue } from './job-queue.ts';
import { finishSelftestRun, insertSelftestRun, jobsById, selftestRuns, type SelftestRunRow } from './selftest.repository.ts';
import { sleep } from './waker.ts';

export const SELFTEST_JOB = 'portico.selftest';

export interface SelftestPayload {
  batch: string;
  sleepMs: number;
}

/**
 * The diagnostic job: records its start (job, attempt, node), waits `sleepMs`, and records its finish
 * in the transaction that marks the job succeeded. So a finished record exists exactly when that run
 * completed the job, and an unfinished one marks a run that was interrupted (its worker died).
 */
export function registerSelftest(queue: JobQueue, db: JobsDb): void {
  queue.register<SelftestPayload>(SELFTEST_JOB, async (payload, helpers) => {
    const id = randomUUID();
    await insertSelftestRun(db, {
      id,
      job_id: helpers.jobId,
      batch: payload.batch,
      attempt: helpers.attempt,
      node_id: queue.nodeId,
      started_at: new Date().toISOString(),
      finished_at: null,
    });
    await sleep(payload.sleepMs, helpers.signal);
    await helpers.complete((trx) => finishSelftestRun(jobsDb(trx), id, new Date().toISOString()));
  });
}

export interface SelftestProgress {
  count: number;
  succeeded: number;
  dead: number;
  waiting: number;
  elapsedMs: number;
}

export interface SelftestOptions {
  count: number;
  sleepMs: number;
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** How often progress is read. @default 500 */
  pollMs?: number;
  onProgress?(progress: SelftestProgress): void;
}

export interface SelftestReport extends SelftestProgress {
  batch: string;
  sleepMs: number;
  timedOut: boolean;
  /** Jobs that did not succeed, or succeeded without a finished run. */
  lost: number;
  /** Jobs run more than once: an earlier run was interrupted (its worker died) before the one that finished. */
  rerun: number;
  /** Runs that never finished, per node: their worker died or lost its lease mid-run. */
  interruptedByNode: Record<string, number>;
  /** Runs that completed the job, per node. */
  finishedByNode: Record<string, number>;
  /** Runs that started after the job's finishing run had started: two nodes held it at once, or it ran after succeeding. */
  duplicateRuns: number;
  /** Jobs with more than one finished run. */
  finishedTwice: number;
  /** Longest time from enqueue to the start of the run that finished a job. */
  maxStartLatencyMs: number;
  ok: boolean;
}

/** Enqueues `count` selftest jobs, waits until each succeeded or went dead (or the timeout), and checks the runs. */
export async function runSelftest(queue: JobQueue, db: JobsDb, options: SelftestOptions): Promise<SelftestReport> {
  const batch = randomUUID();
  const started = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < options.count; i += 100) {
    await db.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(options.count, i + 100); j++) {
        ids.push((await queue.enqueue<SelftestPayload>(SELFTEST_JOB, { batch, sleepMs: options.sleepMs }, { trx })).id);
      }
    });
  }
  let progress: SelftestProgress;
  let timedOut = false;
  for (;;) {
    const jobs = await jobsById(db, ids);
    const succeeded = jobs.filter((j) => j.state === 'succeeded').length;
    const dead = jobs.filter((j) => j.state === 'dead').length;
    progress = { count: options.count, succeeded, dead, waiting: options.count - succeeded - dead, elapsedMs: Date.now() - started };
    options.onProgress?.(progress);
    if (progress.waiting === 0) break;
    if (progress.elapsedMs >= options.timeoutMs) {
      timedOut = true;
      break;
    }
    await sleep(options.pollMs ?? 500);
  }
  const jobs = await jobsById(db, ids);
  return { ...analyse(jobs, await selftestRuns(db, batch), options.count), ...progress, batch, sleepMs: options.sleepMs, timedOut };
}

type Analysis = Pick<SelftestReport, 'lost' | 'rerun' | 'interruptedByNode' | 'finishedByNode' | 'duplicateRuns' | 'finishedTwice' | 'maxStartLatencyMs' | 'ok'>;

/** Checks the run records of `expected` jobs (rows missing from `jobs` count as lost). */
export function analyse(jobs: ReadonlyArray<{ id: string; state: string; created_at: string }>, runs: readonly SelftestRunRow[], expected: number): Analysis {
  const runsOf = new Map<string, SelftestRunRow[]>();
  for (const run of runs) runsOf.set(run.job_id, [...(runsOf.get(run.job_id) ?? []), run]);
  const analysis: Analysis = { lost: Math.max(0, expected - jobs.length), rerun: 0, interruptedByNode: {}, finishedByNode: {}, duplicateRuns: 0, finishedTwice: 0, maxStartLatencyMs: 0, ok: false };
  const bump = (counts: Record<string, number>, node: string) => (counts[node] = (counts[node] ?? 0) + 1);
  for (const job of jobs) {
    const own = runsOf.get(job.id) ?? [];
    const finished = own.filter((r) => r.finished_at !== null);
    for (const run of own) bump(run.finished_at === null ? analysis.interruptedByNode : analysis.finishedByNode, run.node_id);
    if (own.length > 1) analysis.rerun++;
    if (finished.length > 1) analysis.finishedTwice++;
    const finishing = finished[0];
    if (job.state !== 'succeeded' || !finishing) {
      analysis.lost++;
      continue;
    }
    analysis.duplicateRuns += own.filter((r) => r !== finishing && Date.parse(r.started_at) >= Date.parse(finishing.started_at)).length;
    analysis.maxStartLatencyMs = Math.max(analysis.maxStartLatencyMs, Date.parse(finishing.started_at) - Date.parse(job.created_at));
  }
  analysis.ok = analysis.lost === 0 && analysis.duplicateRuns === 0 && analysis.finishedTwice === 0;
  return analysis;
}
