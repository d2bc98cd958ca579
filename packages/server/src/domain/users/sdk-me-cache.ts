import { LRUCache } from 'lru-cache';
import type { AppStore as Store } from '../database.ts';
import type { ProjectState } from '../projects/index.ts';
import { SecondSight } from '../../platform/cache/second-sight.ts';

interface Entry {
  /** SQLite: the version of other processes' commits the body was read under. */
  version: number | undefined;
  /** The project state the body was built from; a reloaded state is a miss. */
  state: ProjectState;
  /** When the user's activity was last recorded; a request that must record it again is a miss. */
  lastActiveAt: string;
  body: string;
}

/** A read in progress: what `set` needs to know whether the body may be kept. */
export interface ReadTicket {
  version: number | undefined;
  /** The invalidation clock when the read began. */
  clock: number;
}

/** What the answer cache did since start, for `/metrics`. */
export interface AnswerCacheStats {
  hits: number;
  misses: number;
  /** Answers kept (the user's answer was read before, see `SecondSight`). */
  admitted: number;
  /** Answers read for the first time lately, not kept. */
  firstSight: number;
}

/** The per-user answers kept: `GET /sdk/me` and `GET /sdk/integrations`. */
export type CachedAnswer = 'me' | 'integrations';
const ANSWERS: readonly CachedAnswer[] = ['me', 'integrations'];

/** Room for about 500 bodies of users with ten credentials, or several thousand smaller ones. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Users whose recent invalidation is remembered, so a read that raced it is not kept. */
const INVALIDATION_MEMORY = 100_000;
/** Users whose first read lately is remembered: a body is kept when it is read a second time. */
const ADMISSION_MEMORY = 50_000;

/**
 * Serialized `GET /sdk/me` and `GET /sdk/integrations` bodies, per node and user, served again only while reading afresh would give the
 * same bytes. Every change to a user's rows emits a domain event in its transaction; its notice
 * (local at once, on PostgreSQL remote within milliseconds through LISTEN/NOTIFY) drops that
 * user's entry. A body whose read began before an invalidation of the same user is not kept, and a
 * lost listening connection clears everything. On SQLite another process on the same file (the
 * CLI, `portico worker`) commits without this one hearing its events: any such commit
 * (`store.otherProcessVersion()`) invalidates every entry. This process's activity writes do not:
 * a request that must record the user's activity is a miss, so that write still happens, and the
 * other users' answers stay.
 * A body is kept the second time it is read lately (`SecondSight`): among a million users each
 * seen once, keeping every body only pushed out bodies still in use and churned the heap.
 */
export class SdkMeCache {
  private readonly entries: LRUCache<string, Entry> | undefined;
  /** Per user: the clock value of their last invalidation. */
  private readonly invalidated = new LRUCache<string, number>({ max: INVALIDATION_MEMORY });
  private clock = 0;
  /** Clock value of the last invalidation of everything. */
  private clearedAt = 0;
  private readonly admission = new SecondSight(ADMISSION_MEMORY);
  private readonly counts: AnswerCacheStats = { hits: 0, misses: 0, admitted: 0, firstSight: 0 };
  constructor(private readonly store: Store, maxBytes = DEFAULT_MAX_BYTES) {
    this.entries = maxBytes <= 0
      ? undefined
      : new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry, key) => entry.body.length + key.length + 200 });
  }

  /** The body if it is still what a fresh read would give and the user's activity is recent. */
  get(state: ProjectState, sub: string, isActivityRecent: (lastActiveAt: string) => boolean, answer: CachedAnswer = 'me'): string | undefined {
    const key = keyOf(state.project.id, sub, answer);
    if (!this.entries) return undefined;
    const entry = this.entries.get(key);
    const stale = !entry || entry.state !== state
      || entry.version !== this.store.otherProcessVersion()
      || !isActivityRecent(entry.lastActiveAt);
    if (stale) {
      if (entry) this.entries.delete(key);
      this.counts.misses += 1;
      return undefined;
    }
    this.counts.hits += 1;
    return entry.body;
  }

  stats(): AnswerCacheStats {
    return { ...this.counts };
  }

  /** Call before reading the user's rows; pass the ticket to `set`. */
  beginRead(): ReadTicket {
    return { version: this.store.otherProcessVersion(), clock: this.clock };
  }

  /** Keeps `body` unless something changed while it was being read. */
  set(state: ProjectState, sub: string, ticket: ReadTicket, lastActiveAt: string, body: string, answer: CachedAnswer = 'me'): void {
    if (!this.entries) return;
    const key = keyOf(state.project.id, sub, answer);
    if (ticket.version !== this.store.otherProcessVersion()) return;
    if (this.clearedAt > ticket.clock || (this.invalidated.get(userKeyOf(state.project.id, sub)) ?? -1) > ticket.clock) return;
    if (!this.admission.admit(key)) {
      this.counts.firstSight += 1;
      return;
    }
    this.counts.admitted += 1;
    this.entries.set(key, { version: ticket.version, state, lastActiveAt, body });
  }

  /** A change to the user's rows committed (on this node or another). */
  invalidateUser(projectId: string, sub: string): void {
    this.clock += 1;
    this.invalidated.set(userKeyOf(projectId, sub), this.clock);
    for (const answer of ANSWERS) this.entries?.delete(keyOf(projectId, sub, answer));
  }

  /** Changes may have been missed: forget everything. */
  clear(): void {
    this.clock += 1;
    this.clearedAt = this.clock;
    this.entries?.clear();
  }
}

function userKeyOf(projectId: string, sub: string): string {
  return `${projectId} ${sub}`;
}

function keyOf(projectId: string, sub: string, answer: CachedAnswer): string {
  return `${answer} ${projectId} ${sub}`;
}
