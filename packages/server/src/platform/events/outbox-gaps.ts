/**
 * Missing sequence values in the outbox, and when a reader may pass them.
 *
 * PostgreSQL hands out sequence values at insert but transactions commit in any order, so a value
 * missing below a visible one is either still to commit or gone for good (rolled back, a failed
 * insert). A reader tells the two apart with a fact it establishes in two steps, in this order:
 *   1. a read shows value `through` committed (so every lower value was taken before that read,
 *      the sequence caching one value at a time, by a transaction holding ROW EXCLUSIVE on `events`);
 *   2. a look at the locks then finds `writers`, the open transactions holding that lock.
 * Every lower value whose transaction is not in `writers` had ended before step 2. Once none of
 * `writers` is open any more, a snapshot taken after that check shows every value up to `through`
 * that will ever commit: the ones it lacks are permanent gaps. Only the transactions that were
 * open at step 2 are waited for, so a steady stream of new writers does not hold a gap open.
 */

import type { OutboxWriterSession } from './outbox.repository.ts';

/** A row that carries its outbox sequence (a string from PostgreSQL's int8). */
export interface Sequenced {
  sequence: string | number;
}

/** Step 1 and 2 above, and when they were made. */
export interface GapHorizon {
  through: number;
  writers: ReadonlySet<string>;
  since: number;
}

/**
 * The leading rows a reader may hand over, given the rows after `after` in sequence order and
 * `settled`: every value up to it that is missing is known to be gone for good.
 */
export function passableRun<R extends Sequenced>(after: number, rows: readonly R[], settled: number): R[] {
  const run: R[] = [];
  let next = after + 1;
  for (const row of rows) {
    const sequence = Number(row.sequence);
    if (sequence !== next && sequence - 1 > settled) break;
    run.push(row);
    next = sequence + 1;
  }
  return run;
}

/** One consumer's open question about a gap; any node may hold one, as the facts are the database's. */
export class GapWatch {
  private current: GapHorizon | undefined;

  /** The fact a reader is waiting on, while it waits. */
  get horizon(): GapHorizon | undefined {
    return this.current;
  }

  /**
   * After a read that saw values missing below `visibleThrough`, and a look at the locks made after
   * it that found `writers`: returns the sequence up to which missing values are gone for good (at
   * least `after`), to be applied to a read made after that look.
   */
  settle(after: number, visibleThrough: number, writers: ReadonlySet<string>, now: number): number {
    let settled = after;
    const held = this.current;
    if (held && held.through > after && !overlaps(held.writers, writers)) settled = held.through;
    if (writers.size === 0) settled = Math.max(settled, visibleThrough);
    if (settled > after || !held || held.through <= after) this.current = undefined;
    if (!this.current && visibleThrough > settled) this.current = { through: visibleThrough, writers, since: now };
    return settled;
  }

  /** The reader's cursor has reached `sequence`: a question about lower values is answered. */
  passed(sequence: number): void {
    if (this.current && this.current.through <= sequence) this.current = undefined;
  }
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const key of a) if (b.has(key)) return true;
  return false;
}

/** The pid in a writer key (`pid@virtualxid`); undefined for a prepared transaction. */
export function writerPid(writer: string): number | undefined {
  const pid = Number(writer.split('@')[0]);
  return Number.isInteger(pid) ? pid : undefined;
}

export interface HeldBack {
  consumer: string;
  /** The consumer's cursor after this batch. */
  at: number;
  horizon: GapHorizon;
  /** The horizon's writers still open. */
  open: string[];
  sessions: OutboxWriterSession[];
  now: number;
}

/** What an operator needs to know about a gap held open too long, and what to do about it. */
export function heldBackError({ consumer, at, horizon, open, sessions, now }: HeldBack): Error {
  const described = open.map((writer) => {
    const pid = writerPid(writer);
    const session = sessions.find((s) => s.pid === pid);
    if (pid === undefined) return `a prepared transaction (virtual xid ${writer.split('@')[1]}, see pg_prepared_xacts)`;
    if (!session) return `pid ${pid}`;
    const since = session.transactionStart ? ` since ${session.transactionStart}` : '';
    return `pid ${pid} (application "${session.applicationName ?? ''}", ${session.state ?? 'state hidden from this role'}${since})`;
  });
  return new Error(
    `Durable consumer "${consumer}" has waited ${Math.round((now - horizon.since) / 1000)} s after sequence ${at}: ` +
      `${open.length} transaction(s) that wrote the outbox before sequence ${horizon.through} committed are still open and may yet commit a lower value: ${described.join('; ')}. ` +
      'Later events wait for them (none is skipped); end a session that will not finish with pg_terminate_backend(pid).',
  );
}
