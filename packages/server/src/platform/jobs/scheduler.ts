import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import { describeError } from './job-logger.ts';
import type { JobMetrics } from './jobs.metrics.ts';
import { reapExpiredLeases, type JobsDb } from './jobs.repository.ts';
import type { EnqueueOptions, JobLogger } from './jobs.types.ts';
import { advanceSchedule, dueSchedules, upsertSchedule, type ScheduleRow } from './schedules.repository.ts';
import { Waker } from './waker.ts';

export interface Schedule {
  name: string;
  pattern: string;
  timezone: string | null;
  cron: Cron;
}

/** Payload of a job enqueued by a schedule. */
export interface ScheduledPayload {
  /** The tick this run is for (ISO-8601). */
  scheduledAt: string;
}

export interface SchedulerOptions {
  db: JobsDb;
  schedules: ReadonlyMap<string, Schedule>;
  enqueue(name: string, payload: ScheduledPayload, options: EnqueueOptions): Promise<unknown>;
  /** How often due schedules and expired leases are looked for. */
  intervalMs: number;
  /** Expired leases are looked for at most this often. */
  reapIntervalMs: number;
  metrics: JobMetrics;
  log: JobLogger;
}

/** Parses a 5- or 6-field cron expression (seconds first when 6); throws on a bad one. */
export function parseSchedule(name: string, pattern: string, timezone: string | undefined): Schedule {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new Error(`The schedule of "${name}" must have 5 or 6 cron fields; got "${pattern}".`);
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true });
  } catch (error) {
    throw new Error(`The schedule of "${name}" is not a valid cron expression ("${pattern}"): ${(error as Error).message}`, { cause: error });
  }
  if (!cron.nextRun()) throw new Error(`The schedule of "${name}" ("${pattern}") never fires.`);
  return { name, pattern, timezone: timezone ?? null, cron };
}

/**
 * Runs on every node with workers. A due schedule is advanced by compare-and-set on `next_run_at`,
 * in the same transaction as the enqueue of its tick's job (idempotency key
 * `schedule:<name>:<tick>`), so each tick fires exactly once however many nodes race for it. Missed
 * ticks (every node down) collapse into one run. The same loop requeues jobs whose lease expired.
 */
export class Scheduler {
  private readonly waker = new Waker();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private lastReap = 0;

  constructor(private readonly options: SchedulerOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    const now = new Date();
    for (const schedule of this.options.schedules.values()) {
      await upsertSchedule(
        this.options.db,
        { name: schedule.name, cron: schedule.pattern, timezone: schedule.timezone, nextRunAt: schedule.cron.nextRun(now)!.toISOString() },
        now.toISOString(),
      );
    }
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loopDone;
  }

  /** One pass: fire due ticks, then (at most every reapIntervalMs) requeue jobs whose worker vanished. */
  async tick(): Promise<void> {
    const now = new Date();
    const due = await dueSchedules(this.options.db, [...this.options.schedules.keys()], now.toISOString());
    for (const row of due) await this.fire(row, now);
    if (now.getTime() - this.lastReap >= this.options.reapIntervalMs) {
      this.lastReap = now.getTime();
      const reaped = await reapExpiredLeases(this.options.db, now.toISOString());
      for (const name of reaped.requeued) this.options.metrics.lost(name, 'failed');
      for (const name of reaped.dead) this.options.metrics.lost(name, 'dead');
      if (reaped.requeued.length + reaped.dead.length > 0) {
        this.options.log('warn', 'requeued jobs whose worker stopped renewing its lease', { requeued: reaped.requeued.length, dead: reaped.dead.length });
      }
    }
  }

  private async fire(row: ScheduleRow, now: Date): Promise<void> {
    const schedule = this.options.schedules.get(row.name)!;
    const tick = row.next_run_at;
    const next = schedule.cron.nextRun(now);
    if (!next) return;
    const fired = await this.options.db.transaction().execute(async (trx) => {
      const won = await advanceSchedule(trx, row.name, tick, next.toISOString(), now.toISOString());
      if (won) await this.options.enqueue(row.name, { scheduledAt: tick }, { key: `schedule:${row.name}:${tick}`, trx: trx as Kysely<any> });
      return won;
    });
    if (fired) this.options.log('debug', 'schedule fired', { job: row.name, tick, next: next.toISOString() });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (error) {
        this.options.log('warn', 'the job scheduler pass failed; retrying', { err: describeError(error) });
      }
      if (!this.running) break;
      await this.waker.wait(this.options.intervalMs);
    }
  }
}
