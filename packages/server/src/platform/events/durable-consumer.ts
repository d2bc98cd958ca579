import type { AnyStore as Store } from '../db/store.ts';
import { nowIso } from '../ids.ts';
import type { StoreTransaction } from './unit-of-work.ts';
import { GapWatch, heldBackError, passableRun, writerPid } from './outbox-gaps.ts';
import * as outbox from './outbox.repository.ts';

export interface ConsumerOptions {
  /** Most events handed to one call of the handler. @default 100 */
  batchSize?: number;
  /** How often to look for events nobody announced (another process, a lost notification). @default 1000 */
  pollIntervalMs?: number;
  /** Delay before retrying a batch whose handler threw; doubles per failure up to 30 s. @default 1000 */
  retryDelayMs?: number;
  /**
   * PostgreSQL: reports (to `onError`) a transaction that has written the outbox and stayed open
   * this long while later events wait behind the sequence value it may still commit, and again
   * each time as long again passes. @default 30000
   */
  heldBackReportMs?: number;
}

export interface ConsumerDeps<E> {
  name: string;
  store: Store;
  /** Runs the batch in a transaction whose own emitted events are dispatched after commit. */
  transaction: <T>(work: (trx: StoreTransaction) => Promise<T>) => Promise<T>;
  handler: (events: E[], trx: StoreTransaction) => Promise<void>;
  toEvent: (row: outbox.EventRow) => E;
  onError: (error: unknown, context: string) => void;
  options: ConsumerOptions;
}

const MAX_RETRY_DELAY_MS = 30_000;
/** Looks again at a gap after 10 ms, 20 ms, ... up to a second (or the poll interval, if shorter). */
const MIN_GAP_RETRY_MS = 10;
const MAX_GAP_RETRY_MS = 1000;

type EventsDb = ReturnType<typeof outbox.eventsDb>;

/**
 * Reads the outbox from its cursor and hands each batch to the handler in one transaction with the
 * cursor's advance: a batch is either handled and passed, or neither (kill -9 included). Steps of
 * one consumer never overlap in this process; on PostgreSQL the cursor's row lock keeps other nodes
 * out while a batch runs.
 */
export class DurableConsumer<E> {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly heldBackReportMs: number;
  private readonly gaps = new GapWatch();
  private waitingAtGap = false;
  private gapRetries = 0;
  private reportedAt = 0;
  private sequenceChecked = false;
  private queue: Promise<unknown> = Promise.resolve();
  private pass: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private retryAt = 0;
  private stopped = false;

  constructor(private readonly deps: ConsumerDeps<E>) {
    this.batchSize = deps.options.batchSize ?? 100;
    this.pollIntervalMs = deps.options.pollIntervalMs ?? 1000;
    this.retryDelayMs = deps.options.retryDelayMs ?? 1000;
    this.heldBackReportMs = deps.options.heldBackReportMs ?? 30_000;
  }

  get name(): string {
    return this.deps.name;
  }

  /** When the consumer began to wait at a gap for transactions that are still open; undefined when it is not waiting. */
  get waitingAtGapSince(): number | undefined {
    return this.waitingAtGap ? this.gaps.horizon?.since : undefined;
  }

  /** Something may have been emitted: look now, unless waiting to retry a failed batch. */
  wake(): void {
    if (this.stopped || Date.now() < this.retryAt) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.runPass()
      .catch((error: unknown) => console.error(`durable consumer "${this.deps.name}": its onError threw:`, error))
      .finally(() => {
        this.pass = undefined;
      });
  }

  /** Handles everything readable now; resolves with the number of events handled. Throws what the handler throws. */
  async catchUp(): Promise<number> {
    let handled = 0;
    for (;;) {
      const count = await this.exclusive(() => this.step());
      handled += count;
      if (count < this.batchSize) return handled;
    }
  }

  /** Stops polling and waits for the batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await this.queue.catch(() => undefined);
  }

  private async runPass(): Promise<void> {
    clearTimeout(this.timer);
    let delay = this.pollIntervalMs;
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.exclusive(() => this.step())) === this.batchSize);
        this.failures = 0;
        delay = this.waitingAtGap ? this.gapRetryDelay() : this.pollIntervalMs;
      } catch (error) {
        this.deps.onError(error, `durable consumer "${this.deps.name}"`);
        delay = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** this.failures++);
        this.retryAt = Date.now() + delay;
        break;
      }
    } while (this.again && !this.stopped);
    if (!this.stopped) {
      this.timer = setTimeout(() => {
        this.retryAt = 0;
        this.wake();
      }, delay);
      this.timer.unref();
    }
  }

  /** The writer a gap waits for usually commits within moments, which wakes the consumer; a rollback wakes nobody. */
  private gapRetryDelay(): number {
    return Math.min(this.pollIntervalMs, MAX_GAP_RETRY_MS, MIN_GAP_RETRY_MS * 2 ** this.gapRetries++);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async step(): Promise<number> {
    const { name, store, handler, toEvent } = this.deps;
    this.waitingAtGap = false;
    const db = outbox.eventsDb(store.db);
    // Look before taking the writer (SQLite) or a row lock (PostgreSQL): most polls find nothing.
    const seen = await outbox.readCursor(db, name);
    if (seen === undefined) await outbox.ensureCursor(db, name, nowIso());
    else if (!(await outbox.hasEventsAfter(db, seen))) return 0;

    return this.deps.transaction(async (trx) => {
      const events = outbox.eventsDb(trx);
      await outbox.readCommittedTransaction(events, store.dialect);
      const after = await outbox.lockCursor(events, store.dialect, name);
      if (after === undefined) return 0;
      const rows = await this.readPassable(events, after);
      const last = rows.at(-1);
      if (!last) return 0;
      await handler(rows.map(toEvent), trx);
      await outbox.advanceCursor(events, name, Number(last.sequence), nowIso());
      this.gaps.passed(Number(last.sequence));
      return rows.length;
    });
  }

  /**
   * The events after `after` that can be handed over now, in sequence order: all of them up to the
   * first missing value that a transaction still open may commit (see `outbox-gaps.ts`).
   */
  private async readPassable(events: EventsDb, after: number): Promise<outbox.EventRow[]> {
    const dialect = this.deps.store.dialect;
    let rows = await outbox.readEventsAfter(events, after, this.batchSize);
    let run = passableRun(after, rows, after);
    if (run.length < rows.length) {
      // Look at the writers only now, after the read that showed the gap, and apply what they tell
      // to a read made after the look: a new statement, so a new snapshot (READ COMMITTED).
      const writers = await outbox.outboxWriters(events, dialect);
      const settled = this.gaps.settle(after, Number(rows.at(-1)!.sequence), writers, Date.now());
      if (settled > after) {
        await this.checkSequence(events);
        rows = await outbox.readEventsAfter(events, after, this.batchSize);
        run = passableRun(after, rows, settled);
      }
      this.waitingAtGap = run.length < rows.length;
      if (this.waitingAtGap) await this.reportIfHeldBackLong(events, Number(run.at(-1)?.sequence ?? after), writers);
    }
    if (!this.waitingAtGap) this.gapRetries = 0;
    return run;
  }

  /** Passing a gap is sound only if the sequence hands out one value at a time (checked once per consumer). */
  private async checkSequence(events: EventsDb): Promise<void> {
    if (this.sequenceChecked) return;
    const { name, cache } = await outbox.outboxSequenceCache(events, this.deps.store.dialect);
    if (cache !== 1) {
      throw new Error(`The outbox sequence ${name} caches ${cache} values per session, so a lower value can commit after a higher one was read and durable consumers cannot tell it from a rolled-back one. Run: ALTER SEQUENCE ${name} CACHE 1`);
    }
    this.sequenceChecked = true;
  }

  private async reportIfHeldBackLong(events: EventsDb, at: number, writers: ReadonlySet<string>): Promise<void> {
    const horizon = this.gaps.horizon;
    const now = Date.now();
    if (!horizon || now - horizon.since < this.heldBackReportMs || now - this.reportedAt < this.heldBackReportMs) return;
    this.reportedAt = now;
    const open = [...horizon.writers].filter((writer) => writers.has(writer));
    const sessions = await outbox.describeSessions(events, open.map(writerPid).filter((pid) => pid !== undefined));
    this.deps.onError(heldBackError({ consumer: this.deps.name, at, horizon, open, sessions, now }), `durable consumer "${this.deps.name}"`);
  }
}
