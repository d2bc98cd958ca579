import { LRUCache } from 'lru-cache';
import type { Store } from '../../db/store.ts';
import type { ProjectState } from '../projects/project-cache.ts';

interface Entry {
  /** Store change version under which every read behind `body` was made. */
  version: number;
  /** The project state the body was built from; a reloaded state is a miss. */
  state: ProjectState;
  lastActiveAt: string;
  body: string;
}

/** Room for roughly a thousand rich users' bodies. */
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Serialized `GET /sdk/me` bodies, served again only while the store reports no change at all since
 * they were read: on SQLite any write, by this node or another process, invalidates every entry, so
 * a hit returns exactly what reading afresh would. Stores that cannot tell cheaply (PostgreSQL,
 * where other nodes write) get no cache. A request that must record the user's activity is a miss,
 * so that write still happens.
 */
export class SdkMeCache {
  private readonly entries: LRUCache<string, Entry> | undefined;

  constructor(private readonly store: Store, maxBytes = DEFAULT_MAX_BYTES) {
    this.entries = store.changeVersion() === undefined || maxBytes <= 0
      ? undefined
      : new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry, key) => entry.body.length + key.length + 200 });
  }

  /** The version to hand to `set` for reads made from now on; undefined when nothing is cached. */
  version(): number | undefined {
    return this.entries ? this.store.changeVersion() : undefined;
  }

  get(state: ProjectState, sub: string, isActivityRecent: (lastActiveAt: string) => boolean): string | undefined {
    if (!this.entries) return undefined;
    const key = `${state.project.id} ${sub}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.state !== state || entry.version !== this.store.changeVersion() || !isActivityRecent(entry.lastActiveAt)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.body;
  }

  /** Keeps `body` if nothing changed since `version` was taken (a write during the request makes it stale at once). */
  set(state: ProjectState, sub: string, version: number | undefined, lastActiveAt: string, body: string): void {
    if (!this.entries || version === undefined || version !== this.store.changeVersion()) return;
    this.entries.set(`${state.project.id} ${sub}`, { version, state, lastActiveAt, body });
  }
}
