import type { AnyStore as Store } from '../db/store.ts';
import { nowIso } from '../ids.ts';
import type { StoreTransaction } from './unit-of-work.ts';
import * as outbox from './outbox.repository.ts';

export interface ConsumerOptions {
  /** Most events handed to one call of the handler. @default 100 */
  batchSize?: number;
  /** How often to look for events nobody announced (another process, a lost notification). @default 1000 */
  pollIntervalMs?: number;
  /** Delay before retrying a batch whose handler threw; doubles per failure up to 30 s. @default 1000 */
  retryDelayMs?: number;
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
  }

  get name(): string {
    return this.deps.name;
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

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async step(): Promise<number> {
    const { name, store, handler, toEvent } = this.deps;
    const db = outbox.eventsDb(store.db);
    // Look before taking the writer (SQLite) or a row lock (PostgreSQL): most polls find nothing.
    const seen = await outbox.readCursor(db, name);
    if (!seen) await outbox.ensureCursor(db, name, nowIso());
    else if (!(await outbox.hasEventsAfter(db, store.dialect, seen))) return 0;

    return this.deps.transaction(async (trx) => {
      const events = outbox.eventsDb(trx);
      const position = await outbox.lockCursor(events, store.dialect, name);
      if (!position) return 0;
      const rows = await outbox.readEventsAfter(events, store.dialect, position, this.batchSize);
      const last = rows.at(-1);
      if (!last) return 0;
      await handler(rows.map(toEvent), trx);
      await outbox.advanceCursor(events, store.dialect, name, { xid: String(last.xid), sequence: Number(last.sequence) }, nowIso());
      return rows.length;
    });
  }
}
