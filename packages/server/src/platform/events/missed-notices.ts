import type { Kysely } from 'kysely';
import type { EventNotice } from './event-types.ts';
import { eventKeys, eventsDb, latestSequence } from './outbox.repository.ts';

export interface MissedNoticeSweepOptions {
  /** @default 1000 */
  intervalMs?: number;
  /** Holes listed by value in one query; above it the sweep reads the whole range. @default 1000 */
  maxHoles?: number;
  /** Rows read per sweep. @default 2000 */
  batchSize?: number;
}

/**
 * Finds committed events this node never heard of (PostgreSQL, several nodes). Announcements are
 * sent after the commit (`announcer.ts`), so an event whose node died in between, or whose
 * announcement failed, reaches nobody; without this sweep a node's caches would keep what that
 * event made stale.
 *
 * The sweep does not re-read the outbox: it remembers the sequences this node heard (its own and
 * announced ones), and once a second asks only for the committed values it has not heard of: the
 * holes below the highest one it heard, and everything above it. When all nodes are up that query
 * finds nothing. A value stays a hole for one whole interval before the sweep gives up on it (a
 * rolled-back insert leaves one for ever), so an event whose transaction commits within an interval
 * of taking its sequence is found; a longer one is still announced by its own node.
 */
export class MissedNoticeSweep {
  private readonly heardValues = new Set<number>();
  /** Every value at or below it is settled: heard, found, or given up. */
  private settled: number | undefined;
  /** The highest value heard or found when the previous sweep ended. */
  private previousTop = 0;
  private top = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Events found by the sweep rather than announced. */
  found = 0;

  constructor(
    private readonly db: Kysely<any>,
    private readonly deliver: (notice: EventNotice) => void,
    private readonly onError: (error: unknown) => void,
    private readonly options: MissedNoticeSweepOptions = {},
  ) {}

  /** Records a sequence this node heard of; returns false when it had already (drop the duplicate). */
  heard(sequence: number): boolean {
    if (this.settled !== undefined && sequence <= this.settled) return true;
    if (this.heardValues.has(sequence)) return false;
    this.heardValues.add(sequence);
    if (sequence > this.top) this.top = sequence;
    return true;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep; concurrent calls share it. */
  sweep(): Promise<void> {
    this.running ??= this.sweepOnce()
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<void> {
    const db = eventsDb(this.db);
    if (this.settled === undefined) {
      // Events before the node started are not news to it.
      this.settled = Math.max(await latestSequence(db), 0);
      this.previousTop = Math.max(this.settled, this.top);
      this.prune();
      return;
    }
    const top = Math.max(this.top, this.settled);
    const holes: number[] = [];
    const maxHoles = this.options.maxHoles ?? 1000;
    for (let value = this.settled + 1; value <= top && holes.length <= maxHoles; value++) {
      if (!this.heardValues.has(value)) holes.push(value);
    }
    const rows = holes.length > maxHoles
      ? await eventKeys(db, this.settled, [], this.options.batchSize ?? 2000)
      : await eventKeys(db, top, holes, this.options.batchSize ?? 2000);
    for (const row of rows) {
      const sequence = Number(row.sequence);
      if (!this.heard(sequence)) continue;
      this.found++;
      this.deliver({ sequence, type: row.type, projectId: row.project_id, userId: row.user_id, origin: 'remote' });
    }
    // Holes up to the previous sweep's top have had a whole interval to commit: settle them.
    this.settled = Math.max(this.settled, this.previousTop);
    this.previousTop = this.top;
    this.prune();
  }

  private prune(): void {
    const settled = this.settled ?? 0;
    for (const value of this.heardValues) if (value <= settled) this.heardValues.delete(value);
  }
}
