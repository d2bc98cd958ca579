import { sql, type Kysely } from 'kysely';
import { CHANGE_CHANNEL, MAX_CHANGE_MESSAGE_BYTES } from './change-notifier.ts';
import type { EventNotice } from './event-types.ts';

/** Kind of the change messages that carry a batch of outbox events: `{k, n, e: [[s, t, p, u], …]}`. */
export const EVENTS_MESSAGE_KIND = 'events';
/** Kind of the one-event messages of earlier versions (`{k, s, t, p, u, n}`), still understood. */
export const EVENT_MESSAGE_KIND = 'event';

type Entry = [sequence: number, type: string, projectId: string, userId: string | null];

/**
 * Tells the other nodes about committed events (PostgreSQL), after the commit and in batches.
 *
 * Sending `pg_notify` inside each change's transaction made every commit queue on PostgreSQL's
 * one notification lock, held through the commit's WAL flush: the commits of all notifying
 * transactions ran one at a time. Here a change commits without it; the announcer then sends what
 * committed meanwhile in one autocommit statement, and whatever commits while that statement runs
 * goes in the next one. So the lock is taken once per batch, an idle node announces at once, and
 * a busy one announces about one round trip after the commit.
 *
 * A node that dies between a commit and its announcement leaves the others unaware: the bus's
 * sweep (`missed-notices.ts`) finds such events in the outbox.
 */
export class EventAnnouncer {
  private pending: EventNotice[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<any>,
    private readonly nodeId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues the notices; resolves once they were sent (or failed to be, which `onError` hears). */
  announce(notices: readonly EventNotice[]): Promise<void> {
    this.pending.push(...notices);
    this.draining ??= this.drain();
    return this.draining;
  }

  /** Resolves when nothing is waiting to be sent. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.send(batch);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async send(batch: readonly EventNotice[]): Promise<void> {
    const messages = announcementMessages(batch, this.nodeId);
    const calls = messages.map((message) => sql`pg_notify(${CHANGE_CHANNEL}::text, ${message}::text)`);
    await sql`select ${sql.join(calls)}`.execute(this.db);
  }
}

/** The batch as NOTIFY payloads, each under the size PostgreSQL accepts. */
export function announcementMessages(batch: readonly EventNotice[], nodeId: string): string[] {
  const head = `{"k":${JSON.stringify(EVENTS_MESSAGE_KIND)},"n":${JSON.stringify(nodeId)},"e":[`;
  const messages: string[] = [];
  let parts: string[] = [];
  let bytes = head.length + 2;
  for (const notice of batch) {
    const entry: Entry = [notice.sequence, notice.type, notice.projectId, notice.userId];
    const part = JSON.stringify(entry);
    const size = Buffer.byteLength(part) + 1;
    if (parts.length > 0 && bytes + size > MAX_CHANGE_MESSAGE_BYTES) {
      messages.push(`${head}${parts.join(',')}]}`);
      parts = [];
      bytes = head.length + 2;
    }
    parts.push(part);
    bytes += size;
  }
  if (parts.length > 0) messages.push(`${head}${parts.join(',')}]}`);
  return messages;
}

/** The notices in a change message of either kind; undefined when it is malformed. */
export function noticesOf(message: Record<string, unknown>): Array<Omit<EventNotice, 'origin'>> | undefined {
  if (message.k === EVENT_MESSAGE_KIND) {
    const { s, t, p, u } = message;
    return isEntry([s, t, p, u]) ? [{ sequence: s as number, type: t as string, projectId: p as string, userId: u as string | null }] : undefined;
  }
  if (!Array.isArray(message.e)) return undefined;
  const notices = [];
  for (const entry of message.e as unknown[]) {
    if (!Array.isArray(entry) || !isEntry(entry)) return undefined;
    const [sequence, type, projectId, userId] = entry as Entry;
    notices.push({ sequence, type, projectId, userId });
  }
  return notices;
}

function isEntry(entry: unknown[]): boolean {
  const [s, t, p, u] = entry;
  return typeof s === 'number' && typeof t === 'string' && typeof p === 'string' && (u === null || typeof u === 'string');
}
