/**
 * Admission to a cache on a key's second sight within a while (a "doorkeeper", as in TinyLFU).
 *
 * A key seen once is only marked: one bit of a fixed bit set, at a position hashed from the key.
 * Seen again while the mark stands, it is admitted. The marks are wiped whenever `capacity` new
 * marks were made since the last wipe, so "a while" is the last `capacity` keys seen once, and a
 * position shared by two keys (a false positive) admits a key early, never refuses one.
 *
 * Why: a cache filled with whatever was asked for once keeps entries that are evicted before
 * anyone asks again when many different keys pass (a million users, each visiting once), and each
 * such entry is memory the process allocates, keeps past a few collections and then frees: old
 * space that grows between major collections. The marks cost `bits / 8` bytes, allocated once.
 */
export class SecondSight {
  private readonly marks: Uint32Array;
  private readonly mask: number;
  private marked = 0;

  /**
   * @param capacity how many keys seen once are remembered before the marks are wiped
   * @param bits size of the bit set, rounded up to a power of two (default: 8 bits per remembered key)
   */
  constructor(private readonly capacity: number, bits = capacity * 8) {
    let size = 32;
    while (size < bits) size *= 2;
    this.marks = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  /** True when `key` was seen since the last wipe (it is admitted); otherwise marks it and answers false. */
  admit(key: string): boolean {
    const position = hash(key) & this.mask;
    const word = position >>> 5;
    const bit = 1 << (position & 31);
    if ((this.marks[word]! & bit) !== 0) return true;
    if (this.marked >= this.capacity) {
      this.marks.fill(0);
      this.marked = 0;
    }
    this.marks[word] = this.marks[word]! | bit;
    this.marked += 1;
    return false;
  }

  /** Forgets every mark. */
  clear(): void {
    this.marks.fill(0);
    this.marked = 0;
  }
}

/** FNV-1a (32 bits) over the UTF-16 code units, then a final mix so nearby keys spread over the set. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
