import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';

/** A transaction of the store, typed by whoever owns the tables (the platform knows none). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StoreTransaction = Transaction<any>;

interface Unit<N> {
  open: boolean;
  emitted: N[];
}

/**
 * A transaction that remembers what was emitted in it, so the caller can act once it commits.
 * The unit is found through async context rather than the `trx` object, because `trx.withTables()`
 * and friends hand out new objects for the same transaction.
 */
export class UnitsOfWork<N> {
  private readonly context = new AsyncLocalStorage<Unit<N>>();

  /** Runs `work` in a transaction; resolves after the commit with what was emitted. Rolled back: rejects. */
  async run<T>(db: Store['db'], work: (trx: StoreTransaction) => Promise<T>): Promise<{ result: T; emitted: N[] }> {
    if (this.context.getStore()?.open) {
      throw new Error('A unit of work cannot open another transaction (SQLite has one writer: it would wait for itself); pass the outer trx down instead.');
    }
    const unit: Unit<N> = { open: true, emitted: [] };
    const result = await db.transaction().execute((trx) =>
      this.context.run(unit, async () => {
        try {
          return await work(trx);
        } finally {
          unit.open = false;
        }
      }),
    );
    return { result, emitted: unit.emitted };
  }

  /** The open unit's list of emitted things; throws outside a unit or after its work has returned. */
  current(): N[] {
    const unit = this.context.getStore();
    if (!unit?.open) {
      throw new Error('emit() must run inside events.transaction(work): a plain store.db.transaction() would commit the event without telling subscribers.');
    }
    return unit.emitted;
  }
}
