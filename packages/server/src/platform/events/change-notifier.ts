import type pg from 'pg';
import { sql, type Kysely } from 'kysely';

/** The one LISTEN/NOTIFY channel; messages are JSON objects whose `k` says what they are about. */
export const CHANGE_CHANNEL = 'portico_changes';
/** PostgreSQL rejects NOTIFY payloads from 8000 bytes; stay well under. */
export const MAX_CHANGE_MESSAGE_BYTES = 4000;

export type ChangeMessage = Record<string, unknown> & { k: string };

export interface PgChangeNotifierOptions {
  connectionString: string;
  /** Shown in `pg_stat_activity`. @default 'portico-listener' */
  applicationName?: string;
  /** Delay before the first reconnect attempt; doubles per failure. @default 100 */
  minReconnectDelayMs?: number;
  /** @default 5000 */
  maxReconnectDelayMs?: number;
  /**
   * How often the listening connection is checked with a query, so that one silently dropped
   * (a NAT or load balancer forgetting an idle TCP flow) is noticed. @default 30000
   */
  heartbeatIntervalMs?: number;
  /** Lost connections, failed reconnects, malformed messages, throwing handlers. @default console.error */
  onError?: (error: unknown) => void;
}

/**
 * One dedicated PostgreSQL connection per node that LISTENs on {@link CHANGE_CHANNEL} and hands
 * each message to the handlers of its kind. When the connection drops it reconnects with
 * exponential backoff; after every successful LISTEN (the first one too) it calls the `onResync`
 * handlers, because messages sent while nobody listened are gone.
 */
export class PgChangeNotifier {
  private readonly handlers = new Map<string, Set<(message: ChangeMessage) => void>>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly onError: (error: unknown) => void;
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PgChangeNotifierOptions) {
    this.onError = options.onError ?? ((error) => console.error('change notifier:', error));
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  on(kind: string, handler: (message: ChangeMessage) => void): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called after each (re)connection: changes may have been missed, so drop what was cached. */
  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  /** Connects and LISTENs; rejects if the first attempt fails (later drops reconnect by themselves). */
  async start(): Promise<void> {
    if (this.client) return;
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const heartbeatMs = this.options.heartbeatIntervalMs ?? 30_000;
    // Loaded here: a SQLite server never loads the PostgreSQL driver (about 7 MB of idle RSS).
    const { default: driver } = await import('pg');
    const client = new driver.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'portico-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      query_timeout: Math.min(10_000, heartbeatMs),
    });
    client.on('notification', (notification) => this.receive(notification.payload));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('The LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch((error: unknown) => this.lost(client, error));
    }, heartbeatMs);
    this.heartbeat.unref();
    for (const handler of this.resyncHandlers) this.call(handler);
  }

  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.onError(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const min = this.options.minReconnectDelayMs ?? 100;
    const max = this.options.maxReconnectDelayMs ?? 5000;
    const delay = Math.min(max, min * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        if (this.stopped) return;
        this.onError(error);
        this.scheduleReconnect();
      });
    }, delay);
  }

  private receive(payload: string | undefined): void {
    let message: unknown;
    try {
      message = JSON.parse(payload ?? '');
    } catch {
      this.onError(new Error(`Ignored a malformed change message: ${String(payload).slice(0, 200)}`));
      return;
    }
    if (typeof message !== 'object' || message === null || typeof (message as ChangeMessage).k !== 'string') {
      this.onError(new Error(`Ignored a change message without a kind: ${String(payload).slice(0, 200)}`));
      return;
    }
    for (const handler of this.handlers.get((message as ChangeMessage).k) ?? []) this.call(() => handler(message as ChangeMessage));
  }

  private call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.onError(error);
    }
  }
}

/**
 * Tells every node's notifier about a change that is not a domain event (a job to pick up, say).
 * Inside a transaction PostgreSQL delivers it only if and when that transaction commits. PostgreSQL only.
 */
export async function notifyChange<DB>(db: Kysely<DB>, kind: string, payload: Record<string, unknown> = {}): Promise<void> {
  const message = JSON.stringify({ ...payload, k: kind });
  if (Buffer.byteLength(message) > MAX_CHANGE_MESSAGE_BYTES) {
    throw new Error(`A change message may be at most ${MAX_CHANGE_MESSAGE_BYTES} bytes (PostgreSQL NOTIFY limit); send keys, not data.`);
  }
  await sql`select pg_notify(${CHANGE_CHANNEL}, ${message})`.execute(db);
}
