import { LRUCache } from 'lru-cache';
import type { AppStore as Store } from '../database.ts';
import type { ProjectState } from '../projects/index.ts';

interface Entry {
  /**
   * What the body was read under: the store's change version (SQLite) or the fingerprint of the
   * user's rows (PostgreSQL). The body is served again only while it still holds.
   */
  tag: number | string;
  /** The project state the body was built from; a reloaded state is a miss. */
  state: ProjectState;
  /** When the user's activity was last recorded (version-tagged entries only). */
  lastActiveAt: string;
  body: string;
}

/** Room for about 500 bodies of users with ten credentials, or several thousand smaller ones. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Serialized `GET /sdk/me` bodies, per node, served again only when reading afresh would give the
 * same bytes:
 * - SQLite: while the store's change version is unchanged since the body was read: any write, by
 *   this node or another process, invalidates every entry, and a hit needs no query at all. A request
 *   that must record the user's activity is a miss, so that write still happens.
 * - PostgreSQL (other nodes write too): while the fingerprint of the user's rows, read with the user
 *   row that every request reads anyway, is the one the body was built under. The fingerprint costs
 *   the database a little, so it is read only for users seen recently (`seen`/`remember`): a user
 *   seen once pays nothing extra.
 */
export class SdkMeCache {
  private readonly entries: LRUCache<string, Entry> | undefined;
  /** How entries are validated: by the store's change version, or by a per-user fingerprint. */
  readonly mode: 'version' | 'fingerprint';

  constructor(private readonly store: Store, maxBytes = DEFAULT_MAX_BYTES) {
    this.mode = store.changeVersion() === undefined ? 'fingerprint' : 'version';
    this.entries = maxBytes <= 0
      ? undefined
      : new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry, key) => entry.body.length + key.length + 200 });
  }

  /** The tag for reads made from now on (version mode), or undefined. */
  version(): number | undefined {
    return this.entries && this.mode === 'version' ? this.store.changeVersion() : undefined;
  }

  /** Version mode: the body if nothing changed since it was read and the user's activity is recent. */
  getByVersion(state: ProjectState, sub: string, isActivityRecent: (lastActiveAt: string) => boolean): string | undefined {
    const version = this.version();
    return version === undefined ? undefined : this.get(state, sub, version, isActivityRecent);
  }

  /** Fingerprint mode: the body built when the user's rows had this fingerprint. */
  getByFingerprint(state: ProjectState, sub: string, fingerprint: string): string | undefined {
    return this.mode === 'fingerprint' ? this.get(state, sub, fingerprint, () => true) : undefined;
  }

  /** Fingerprint mode: whether the user was answered recently enough that a fingerprint may pay off. */
  seen(state: ProjectState, sub: string): boolean {
    return this.entries?.has(`${state.project.id} ${sub}`) ?? false;
  }

  /** Fingerprint mode: notes a user answered without a fingerprint, so the next request reads one. */
  remember(state: ProjectState, sub: string, lastActiveAt: string): void {
    if (this.mode === 'fingerprint') this.entries?.set(`${state.project.id} ${sub}`, { tag: '', state, lastActiveAt, body: '' });
  }

  /**
   * Keeps `body`, read under `tag`. In version mode a write during the request makes it stale at
   * once, so it is not kept.
   */
  set(state: ProjectState, sub: string, tag: number | string | undefined, lastActiveAt: string, body: string): void {
    if (!this.entries || tag === undefined) return;
    if (this.mode === 'version' && tag !== this.store.changeVersion()) return;
    this.entries.set(`${state.project.id} ${sub}`, { tag, state, lastActiveAt, body });
  }

  private get(state: ProjectState, sub: string, tag: number | string, isActivityRecent: (lastActiveAt: string) => boolean): string | undefined {
    const key = `${state.project.id} ${sub}`;
    const entry = this.entries?.get(key);
    if (!entry) return undefined;
    if (entry.state !== state || entry.tag !== tag || !isActivityRecent(entry.lastActiveAt)) {
      this.entries!.delete(key);
      return undefined;
    }
    return entry.body;
  }
}
