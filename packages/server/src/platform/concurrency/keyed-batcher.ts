/**
 * Runs work items of the same key in batches, one batch per key at a time: an item that arrives
 * while its key's batch runs waits for it and goes into the next one, with every other item that
 * arrived meanwhile. For writes to one row: N concurrent writers cost one transaction per round
 * instead of N transactions queued on the row's lock.
 *
 * `runBatch` returns one outcome per item, in order: a value, or an Error for that item alone. If
 * it throws, every item of the batch fails with that error.
 */
export class KeyedBatcher<Item, Result> {
  private readonly waiting = new Map<string, Array<Pending<Item, Result>>>();
  private readonly running = new Set<string>();

  constructor(
    private readonly runBatch: (key: string, items: Item[]) => Promise<Array<Result | Error>>,
    /** Most items in one batch; the rest wait for the next. @default 64 */
    private readonly maxBatch = 64,
  ) {}

  run(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let queue = this.waiting.get(key);
      if (!queue) this.waiting.set(key, (queue = []));
      queue.push({ item, resolve, reject });
      if (!this.running.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.running.add(key);
    try {
      for (;;) {
        const queue = this.waiting.get(key);
        if (!queue || queue.length === 0) {
          this.waiting.delete(key);
          return;
        }
        const batch = queue.splice(0, this.maxBatch);
        let outcomes: Array<Result | Error>;
        try {
          outcomes = await this.runBatch(key, batch.map((pending) => pending.item));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
          continue;
        }
        batch.forEach((pending, index) => {
          const outcome = outcomes[index];
          if (outcome instanceof Error) pending.reject(outcome);
          else pending.resolve(outcome as Result);
        });
      }
    } finally {
      this.running.delete(key);
    }
  }
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}
