import { LRUCache } from 'lru-cache';
import type { AppStore as Store } from '../database.ts';

/** Above this many matches `total` is the planner's estimate on PostgreSQL (`totalIsEstimate`); SQLite counts them all. */
export const EXACT_TOTAL_LIMIT = 10_000;

/** What a search's `total` says. */
export interface SearchTotal {
  total: number;
  totalIsEstimate: boolean;
}

/** A count in progress: what `set` needs to know whether the count may be kept. */
export interface CountTicket {
  version: number | undefined;
  generation: number;
  clears: number;
}

interface Entry {
  version: number | undefined;
  generation: number;
  value: number | SearchTotal;
}

const MAX_ENTRIES = 10_000;

/**
 * Counts behind user search (decision 34): the `total` of a set of filters and the length of one
 * `meta.KEY=VALUE` list (to pick the list a search walks), per node and project, kept only while
 * counting afresh would give the same number. An exact count below 10,000 can need thousands of
 * index probes (3,333 users have `plan=pro` among the 10,000 with `seats=37`), work a page of 50
 * never needs; the next page, or the same search again, reuses it.
 *
 * Every change to a user, their metadata or credentials emits a domain event naming the project;
 * its notice (local at once; on PostgreSQL from other nodes through LISTEN/NOTIFY) moves the
 * project to a new generation, and counts of an older one are stale. A count begun before that is
 * not kept, and a lost listening connection clears everything. On SQLite a commit by another
 * process (the CLI, `portico worker`), whose events this one does not hear, makes every count
 * stale (`store.otherProcessVersion()`). `last_active_at` is written without an event, so a search
 * with `activeAfter` is never kept (the caller's rule).
 */
export class SearchCounts {
  private readonly entries = new LRUCache<string, Entry>({ max: MAX_ENTRIES });
  private readonly generations = new Map<string, number>();
  /** Counts running now, so that concurrent searches of one filter set share one count. */
  private readonly running = new Map<string, { ticket: CountTicket; promise: Promise<number | SearchTotal> }>();
  private clears = 0;

  constructor(private readonly store: Store) {}

  get<T extends number | SearchTotal>(projectId: string, key: string): T | undefined {
    const entry = this.entries.get(keyOf(projectId, key));
    if (!entry) return undefined;
    if (entry.generation !== this.generationOf(projectId) || entry.version !== this.store.otherProcessVersion()) {
      this.entries.delete(keyOf(projectId, key));
      return undefined;
    }
    return entry.value as T;
  }

  /** Call before counting; pass the ticket to `set`. */
  beginCount(projectId: string): CountTicket {
    return { version: this.store.otherProcessVersion(), generation: this.generationOf(projectId), clears: this.clears };
  }

  set(projectId: string, key: string, ticket: CountTicket, value: number | SearchTotal): void {
    if (ticket.version !== this.store.otherProcessVersion()) return;
    if (ticket.clears !== this.clears || ticket.generation !== this.generationOf(projectId)) return;
    this.entries.set(keyOf(projectId, key), { version: ticket.version, generation: ticket.generation, value });
  }

  /**
   * `count()`, or what it gave before if nothing it reads has changed since, or the same count
   * another search started under the same state and is still waiting for.
   */
  async count<T extends number | SearchTotal>(projectId: string, key: string, count: () => Promise<T>): Promise<T> {
    const cached = this.get<T>(projectId, key);
    if (cached !== undefined) return cached;
    const ticket = this.beginCount(projectId);
    const fullKey = keyOf(projectId, key);
    const running = this.running.get(fullKey);
    if (running && running.ticket.version === ticket.version && running.ticket.generation === ticket.generation && running.ticket.clears === ticket.clears) {
      return running.promise as Promise<T>;
    }
    const promise = count();
    this.running.set(fullKey, { ticket, promise });
    try {
      const value = await promise;
      this.set(projectId, key, ticket, value);
      return value;
    } finally {
      if (this.running.get(fullKey)?.promise === promise) this.running.delete(fullKey);
    }
  }

  /** A change in the project committed (on this node or another). */
  invalidateProject(projectId: string): void {
    this.generations.set(projectId, this.generationOf(projectId) + 1);
  }

  /** Changes may have been missed: forget everything. */
  clear(): void {
    this.clears += 1;
    this.entries.clear();
  }

  private generationOf(projectId: string): number {
    return this.generations.get(projectId) ?? 0;
  }
}

function keyOf(projectId: string, key: string): string {
  return `${projectId} ${key}`;
}

/** `counts.count(…)`; with no `key` (a search whose count cannot be kept) the count runs every time. */
export function cachedCount<T extends number | SearchTotal>(
  counts: SearchCounts,
  projectId: string,
  key: string | undefined,
  count: () => Promise<T>,
): Promise<T> {
  return key === undefined ? count() : counts.count(projectId, key, count);
}
