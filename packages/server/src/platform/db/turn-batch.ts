/**
 * Reads asked for during one turn of the event loop, answered by one call. The turn's I/O callbacks
 * (every HTTP request whose bytes arrived together) each ask for their key; `setImmediate` runs
 * after all of them, so the batch goes out before the next turn, adding no wait of its own. Keys
 * asked for while a batch is out form the next one. Each key appears once in a batch however many
 * callers asked for it; each caller gets its own copy of the value (`copy`), since callers may change what they get.
 */
export class TurnBatch<K, V> {
  private waiting = new Map<K, Array<{ resolve(value: V | undefined): void; reject(error: unknown): void }>>();
  private scheduled = false;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly copy: (value: V) => V,
    private readonly maxBatch = 64,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const callers = this.waiting.get(key);
      if (callers) callers.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    const keys = [...waiting.keys()];
    for (let start = 0; start < keys.length; start += this.maxBatch) {
      const batch = keys.slice(start, start + this.maxBatch);
      this.loadMany(batch).then(
        (found) => {
          for (const key of batch) {
            const value = found.get(key);
            for (const caller of waiting.get(key)!) caller.resolve(value === undefined ? undefined : this.copy(value));
          }
        },
        (error: unknown) => {
          for (const key of batch) for (const caller of waiting.get(key)!) caller.reject(error);
        },
      );
    }
  }
}
