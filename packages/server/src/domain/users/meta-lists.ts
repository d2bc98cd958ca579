import { LRUCache } from 'lru-cache';
import type { AppStore as Store } from '../database.ts';

/** Bytes of user ids kept per node, every project together (16 bytes a user id). */
const MAX_BYTES = 32 * 1024 * 1024;
/** A longer list is not kept (a search then probes it in the database). */
export const MAX_LIST_IDS = 1_000_000;
/** Users changed in a project since its lists were read; past this many its lists are read again. */
const MAX_CHANGED_USERS = 5_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user id as four 32-bit words, most significant first; none when it is not a lowercase UUID (no kept list holds it). */
export function uuidWords(id: string): [number, number, number, number] | undefined {
  if (!UUID.test(id)) return undefined;
  return [
    Number.parseInt(id.slice(0, 8), 16),
    Number.parseInt(id.slice(9, 13) + id.slice(14, 18), 16),
    Number.parseInt(id.slice(19, 23) + id.slice(24, 28), 16),
    Number.parseInt(id.slice(28, 36), 16),
  ];
}

/** The user ids of one `meta.KEY=VALUE` list, ascending, four words each: membership by binary search. */
export class IdList {
  private constructor(private readonly words: Uint32Array) {}

  get length(): number {
    return this.words.length / 4;
  }

  get bytes(): number {
    return this.words.byteLength;
  }

  /**
   * From `count` lowercase UUIDs with their dashes removed, concatenated; none when the text is not
   * exactly that (an id that is not a UUID: such a list is probed in the database instead).
   */
  static fromHex(hex: string, count: number): IdList | undefined {
    if (hex.length !== count * 32) return undefined;
    const bytes = Buffer.from(hex, 'hex');
    // Decoding stops at the first character that is not hex.
    if (bytes.length !== count * 16) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const words = new Uint32Array(count * 4);
    for (let i = 0; i < words.length; i += 1) words[i] = view.getUint32(i * 4);
    return new IdList(sortedIds(words));
  }

  /** One id (see uuidWords). */
  static fromWords(id: readonly [number, number, number, number]): IdList {
    return new IdList(Uint32Array.from(id));
  }

  has(id: readonly [number, number, number, number]): boolean {
    return this.find(Uint32Array.from(id), 0, 0) >= 0;
  }

  /** The position of `other`'s id number `index`, searched from position `from` on; -1 if absent. */
  indexOf(other: IdList, index: number, from = 0): number {
    return this.find(other.words, index * 4, from);
  }

  /** How many of this list's ids are in every one of `lists` (positions in `skip` left out). */
  countInAll(lists: readonly IdList[], skip: ReadonlySet<number>): number {
    let n = 0;
    // Both sides ascend, so each search starts where the previous one ended.
    const from = lists.map(() => 0);
    for (let i = 0; i < this.length; i += 1) {
      let all = !skip.has(i);
      for (let l = 0; all && l < lists.length; l += 1) {
        const at = lists[l]!.find(this.words, i * 4, from[l]!);
        if (at < 0) {
          all = false;
          from[l] = -at - 1;
        } else {
          from[l] = at + 1;
        }
      }
      if (all) n += 1;
    }
    return n;
  }

  /** Binary search from position `low` for the id at `words[at..at + 3]`: its position, or -(insertion point) - 1. */
  private find(words: Uint32Array, at: number, low: number): number {
    let high = this.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareWords(this.words, middle * 4, words, at);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -low - 1;
  }
}

function compareWords(a: Uint32Array, at: number, b: Uint32Array, bt: number): number {
  for (let k = 0; k < 4; k += 1) {
    const difference = a[at + k]! - b[bt + k]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The ids as read are in the database's order of the text, which for lowercase UUIDs is theirs; sorted here if a collation said otherwise. */
function sortedIds(words: Uint32Array): Uint32Array {
  const count = words.length / 4;
  let sorted = true;
  for (let i = 1; i < count && sorted; i += 1) {
    if (compareWords(words, i * 4 - 4, words, i * 4) >= 0) sorted = false;
  }
  if (sorted) return words;
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => compareWords(words, a * 4, words, b * 4));
  const out = new Uint32Array(words.length);
  order.forEach((from, to) => out.set(words.subarray(from * 4, from * 4 + 4), to * 4));
  return out;
}

/** What a search gets: the list as it was read, and the users changed since (for them it may be out of date). */
export interface KeptList {
  ids: IdList;
  /** External ids (`sub`): change notices name users by them. */
  changedSince: ReadonlySet<string>;
}

interface ProjectLog {
  /** Moves when the project's lists are dropped; a list read under an older epoch is not kept. */
  epoch: number;
  /** Users named by change notices since the epoch began, in the order heard. */
  changed: string[];
}

interface Entry {
  epoch: number;
  version: number | undefined;
  /** How much of the project's change log had been heard when the list was read. */
  seen: number;
  ids: IdList | 'too-long';
}

/**
 * Per node, the user ids of the `meta.KEY=VALUE` lists that exact search counts intersect (decision
 * 49): `plan=pro` among 1,000,000 users is 333,333 ids, 5.3 MB here, read once in one row, instead
 * of 10,000 index probes for every first count of `plan=pro&seats=N`. A list stays valid across
 * changes: every change notice names its user (local at once, other nodes through LISTEN/NOTIFY),
 * and a search checks the users changed since the list was read in the database. A notice without
 * a user, more than MAX_CHANGED_USERS changed users, a lost listening connection or (SQLite) a commit
 * by another process drops a project's lists.
 */
export class MetaLists {
  private readonly entries = new LRUCache<string, Entry>({
    maxSize: MAX_BYTES,
    sizeCalculation: (entry) => (entry.ids === 'too-long' ? 64 : Math.max(64, entry.ids.bytes)),
  });
  private readonly logs = new Map<string, ProjectLog>();
  private readonly loading = new Map<string, { epoch: number; promise: Promise<Entry> }>();

  constructor(private readonly store: Store) {}

  /**
   * The list of `key` = `value` in the project, from memory or read by `read` (the user ids as one
   * text, see IdList.fromHex; `undefined` when longer than MAX_LIST_IDS); none when it is too long
   * or holds ids that are not UUIDs.
   */
  async get(projectId: string, key: string, value: string, read: () => Promise<{ count: number; hex: string } | undefined>): Promise<KeptList | undefined> {
    const name = `${projectId} ${JSON.stringify([key, value])}`;
    let entry = this.valid(projectId, this.entries.get(name));
    if (!entry) {
      const log = this.logOf(projectId);
      let running = this.loading.get(name);
      if (!running || running.epoch !== log.epoch) {
        const start: Omit<Entry, 'ids'> = { epoch: log.epoch, version: this.store.otherProcessVersion(), seen: log.changed.length };
        const promise = read().then((text) => ({ ...start, ids: (text && IdList.fromHex(text.hex, text.count)) ?? 'too-long' as const }));
        running = { epoch: log.epoch, promise };
        this.loading.set(name, running);
        void promise.finally(() => {
          if (this.loading.get(name)?.promise === promise) this.loading.delete(name);
        }).catch(() => undefined);
      }
      entry = await running.promise;
      // Changed while it was read in a way the log cannot replay (a project-wide notice, a resync):
      // neither kept nor used; the caller asks the database.
      if (!this.valid(projectId, entry)) return undefined;
      this.entries.set(name, entry);
    }
    if (entry.ids === 'too-long') return undefined;
    const log = this.logs.get(projectId);
    const changed = log && log.epoch === entry.epoch ? log.changed.slice(entry.seen) : [];
    return { ids: entry.ids, changedSince: new Set(changed) };
  }

  /** Whether the list is in memory now (a search that would have to read it may probe instead). */
  has(projectId: string, key: string, value: string): boolean {
    return this.valid(projectId, this.entries.peek(`${projectId} ${JSON.stringify([key, value])}`)) !== undefined;
  }

  /** A change committed in the project, to one user (their external id) or (`null`) to the project itself. */
  changed(projectId: string, sub: string | null): void {
    const log = this.logs.get(projectId);
    if (!log) return;
    if (sub === null || log.changed.length >= MAX_CHANGED_USERS) this.drop(log);
    else log.changed.push(sub);
  }

  /** Changes may have been missed: forget everything. */
  clear(): void {
    for (const log of this.logs.values()) this.drop(log);
    this.entries.clear();
  }

  private drop(log: ProjectLog): void {
    log.epoch += 1;
    log.changed = [];
  }

  private logOf(projectId: string): ProjectLog {
    let log = this.logs.get(projectId);
    if (!log) {
      log = { epoch: 0, changed: [] };
      this.logs.set(projectId, log);
    }
    return log;
  }

  private valid(projectId: string, entry: Entry | undefined): Entry | undefined {
    if (!entry) return undefined;
    if (entry.epoch !== this.logs.get(projectId)?.epoch || entry.version !== this.store.otherProcessVersion()) return undefined;
    return entry;
  }
}
