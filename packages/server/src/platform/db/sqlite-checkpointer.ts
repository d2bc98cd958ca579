import { Worker } from 'node:worker_threads';

/**
 * The worker's code: a connection of its own that only ever checkpoints. A passive checkpoint
 * copies what the WAL holds into the database file and fsyncs it, without taking the write lock,
 * so the server's writer goes on committing meanwhile.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ complete: !result || result.checkpointed >= result.log });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** Checkpoints start at most this often; commits in between are copied by the next one. */
const INTERVAL_MS = 200;

/** A checkpoint a reader held back is retried after 200 ms, then twice as long each time up to this. */
const RETRY_MAX_MS = 2000;

/**
 * Threads that fail in a row (to start, or in a checkpoint) before checkpoints are left to SQLite
 * for good. A thread starts again after each idle second, so one failed start (a moment without
 * file descriptors, say) must not end them: once a thread has worked, a failure is retried with
 * the next checkpoint, and writes behind are fsynced meanwhile.
 */
const MAX_FAILURES = 3;

/**
 * The thread ends after this long without a commit to copy, and the next commit starts a new one:
 * an idle server does not keep its 5-10 MB (a V8 isolate and a SQLite connection). Starting one
 * costs ~30 ms on a thread of its own and under a millisecond of the event loop, little next to a
 * second without writes.
 */
const IDLE_MS = 1000;

/**
 * WAL checkpoints off the event loop (decision 51). SQLite checkpoints inside the commit that takes
 * the WAL past 1,000 pages: on the server's one writer connection that is copying those pages into
 * the database file and an fsync of it, tens of milliseconds during which no request is served.
 * After each commit the driver calls `committed()`, and a worker thread with its own connection
 * runs a passive checkpoint at most every 200 ms while there were commits: the WAL is copied before
 * it reaches SQLite's threshold, and the log starts over at the next write. The writer keeps
 * SQLite's automatic checkpoint as the backstop: under writes too steady for the log ever to start
 * over, it still checkpoints at 1,000 pages, finding most of them copied already. A checkpoint
 * fsyncs the WAL before it copies it, so writes committed without an fsync (`writeBehind`) are
 * durable within those 200 ms. The thread starts on the first checkpoint and ends after `IDLE_MS`
 * without commits; if threads fail (before any has worked, or `MAX_FAILURES` in a row), checkpoints
 * are SQLite's alone again and `onFailure` says why.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;
  private broken = false;
  private running = false;
  private dirty = false;
  /** The last checkpoint left commits uncopied. */
  private behind = false;
  /** Checkpoints in a row that left commits uncopied, or threads that failed: each waits longer before the next. */
  private heldBack = 0;
  /** Threads that failed since the last checkpoint that worked. */
  private failures = 0;
  /** Threads that failed (to start, or in a checkpoint), retried or not. */
  threadFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Threads ended idle that may still be closing their connection. */
  private readonly retiring = new Map<Worker, Promise<void>>();
  private lastStart = 0;
  /** Checkpoints the worker has run. */
  checkpoints = 0;
  /** Threads started: the first checkpoint starts one, and so does the first after the last one ended idle. */
  threadsStarted = 0;

  constructor(
    private readonly file: string,
    private readonly driverPath: string,
    private readonly onFailure: (message: string) => void,
  ) {}

  /**
   * Whether the thread bounds how long a commit without an fsync stays so: false once it failed or
   * was closed, and while its last checkpoint could not copy every commit (a reader's snapshot held
   * it back, and SQLite then may not have fsynced the WAL either).
   */
  get keepsUp(): boolean {
    return !this.broken && !this.behind;
  }

  /** A commit happened: a checkpoint follows within `INTERVAL_MS` (after the one running, if any). */
  committed(): void {
    if (this.broken) return;
    this.dirty = true;
    if (!this.running) this.schedule();
  }

  /** Whether a checkpoint thread is running now. */
  get threadRunning(): boolean {
    return this.worker !== undefined;
  }

  async close(): Promise<void> {
    this.broken = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.timer = undefined;
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    // Threads ended idle are still closing their connections: wait for them too.
    const closing = [...this.retiring].map(([retired, exited]) => closed(retired, exited));
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      closing.push(closed(worker, exited));
    }
    await Promise.all(closing);
  }

  private schedule(): void {
    if (this.timer) return;
    const interval = this.heldBack === 0 ? INTERVAL_MS : Math.min(RETRY_MAX_MS, INTERVAL_MS * 2 ** (this.heldBack - 1));
    this.timer = setTimeout(() => this.run(), Math.max(0, this.lastStart + interval - Date.now()));
    this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    if (!this.dirty || this.broken) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.started();
    if (!worker) return;
    this.dirty = false;
    this.running = true;
    this.lastStart = Date.now();
    worker.ref();
    worker.postMessage('checkpoint');
  }

  private started(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driverPath: this.driverPath } });
      worker.unref();
      this.threadsStarted += 1;
      worker.on('message', (message: { error?: string; complete?: boolean }) => {
        this.running = false;
        worker.unref();
        if (message.error !== undefined) {
          this.fail(worker, `a checkpoint failed: ${message.error}`);
          return;
        }
        this.checkpoints += 1;
        this.failures = 0;
        // A reader's snapshot kept some frames from being copied (and then SQLite may not have
        // fsynced the WAL either): try again, or writes committed behind would wait for the next commit.
        // A reader that keeps its snapshot for long is waited for less often: the retries back off.
        this.behind = message.complete === false;
        this.heldBack = this.behind ? this.heldBack + 1 : 0;
        if (this.behind) this.dirty = true;
        if (this.dirty) this.schedule();
        else this.idleTimer = setTimeout(() => this.retire(), IDLE_MS).unref();
      });
      worker.on('error', (error) => this.fail(worker, error.message));
      worker.on('exit', (code) => this.fail(worker, `exit code ${code}`));
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(undefined, `it did not start: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** Ends an idle thread: it closes its connection and exits; the next commit starts another. */
  private retire(): void {
    this.idleTimer = undefined;
    const worker = this.worker;
    if (!worker || this.running || this.dirty || this.broken) return;
    this.worker = undefined;
    // Its exit is expected now, and an error while it closes changes nothing: the next thread starts afresh.
    worker.removeAllListeners();
    worker.on('error', () => {});
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.retiring.set(worker, exited);
    void exited.then(() => this.retiring.delete(worker));
    worker.postMessage('close');
  }

  /** `worker` (the current thread, or none if it did not start) failed. */
  private fail(worker: Worker | undefined, reason: string): void {
    if (this.broken || worker !== this.worker) return;
    this.running = false;
    this.worker = undefined;
    if (worker) {
      worker.removeAllListeners();
      worker.on('error', () => {});
      void worker.terminate();
    }
    this.failures += 1;
    this.threadFailures += 1;
    if (this.checkpoints > 0 && this.failures < MAX_FAILURES) {
      // Until a thread works again, writes behind are fsynced (`keepsUp` is false while behind).
      this.behind = true;
      this.heldBack += 1;
      this.dirty = true;
      this.schedule();
      return;
    }
    this.broken = true;
    this.onFailure(`The SQLite checkpoint thread stopped (${reason}); SQLite checkpoints on the writer from now on.`);
  }
}

/**
 * Waits (up to 2 s) for a thread told to close to exit, referenced meanwhile: an unreferenced
 * worker would let the process end before it has closed its connection.
 */
async function closed(worker: Worker, exited: Promise<void>): Promise<void> {
  worker.ref();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
  await worker.terminate();
}
