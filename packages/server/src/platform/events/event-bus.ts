import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';
import { newId, nowIso } from '../ids.ts';
import { EVENT_MESSAGE_KIND, EVENTS_MESSAGE_KIND, EventAnnouncer, noticesOf } from './announcer.ts';
import { MAX_CHANGE_MESSAGE_BYTES, type ChangeMessage, type PgChangeNotifier } from './change-notifier.ts';
import type { Registry } from '../metrics/registry.ts';
import { DurableConsumer, type ConsumerOptions } from './durable-consumer.ts';
import { registerConsumerMetrics, registerNoticeMetrics } from './events.metrics.ts';
import { MissedNoticeSweep, type MissedNoticeSweepOptions } from './missed-notices.ts';
import type { Actor, AnyEventNotice, AnyStoredEvent, EmitInput, EventMap, EventNotice, EventType, StoredEvent } from './event-types.ts';
import * as outbox from './outbox.repository.ts';
import { UnitsOfWork, type StoreTransaction } from './unit-of-work.ts';

export interface EventBusOptions {
  store: Store;
  /**
   * PostgreSQL with several nodes: delivers the other nodes' events to this node's subscribers and
   * wakes its durable consumers. Its owner starts and stops it. Without it, subscribers hear only
   * this process's events.
   */
  notifier?: PgChangeNotifier | undefined;
  /** Throwing subscribers, failing consumer batches, malformed messages. @default console.error */
  onError?: (error: unknown, context: string) => void;
  /** Gets `portico_event_consumer_gap_wait_seconds{consumer}` and `portico_event_notices_missed_total`. */
  metrics?: Registry | undefined;
  /**
   * PostgreSQL: `transaction()` resolves only once its events were announced to the other nodes,
   * for a short-lived process (the CLI) that may exit right after. @default false
   */
  announceBeforeReturning?: boolean;
  /** With a notifier: how the bus finds events whose announcement never came. */
  sweep?: MissedNoticeSweepOptions;
}

/** A subscriber; a promise it returns is not awaited, only watched for rejection. */
type Handler<N> = (notice: N) => unknown;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface EventBus<M extends EventMap<M>, DB = any> {
  /** Runs `work` in a transaction and, once it has committed, tells subscribers what it emitted. */
  transaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** Writes the event to the outbox in `trx`, which must belong to `transaction(work)`. */
  emit<K extends EventType<M>, DB>(trx: Transaction<DB>, type: K, input: EmitInput<M[K]>): Promise<StoredEvent<M, K>>;
  /** Several events of one type in one statement (a batch of changes), in the order given. */
  emitAll<K extends EventType<M>, DB>(trx: Transaction<DB>, type: K, inputs: ReadonlyArray<EmitInput<M[K]>>): Promise<Array<StoredEvent<M, K>>>;
  /** Called after commit, on every node, once per event; returns the unsubscribe function. */
  subscribe<K extends EventType<M>>(type: K, handler: Handler<EventNotice<K>>): () => void;
  subscribe(type: '*', handler: Handler<AnyEventNotice<M>>): () => void;
  /** Called when cross-node notices may have been missed (the listening connection was re-established). */
  onResync(handler: () => void): () => void;
  /** Starts a durable consumer: every event exactly once, in order, in the handler's transaction. */
  consume(name: string, handler: (events: Array<AnyStoredEvent<M>>, trx: Transaction<DB>) => Promise<void>, options?: ConsumerOptions): DurableConsumer<AnyStoredEvent<M>>;
  /** Stops the consumers, sends what is left to announce and detaches from the notifier. */
  close(): Promise<void>;
}

/** The event bus for one event map: `createEventBus<PorticoEvents>({ store, notifier })`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createEventBus<M extends EventMap<M>, DB = any>(options: EventBusOptions): EventBus<M, DB> {
  const { store, notifier } = options;
  const onError = options.onError ?? ((error, context) => console.error(`events: ${context}:`, error));
  /** Marks this process's NOTIFY messages so it does not hear its own events twice. */
  const nodeId = randomUUID();
  const units = new UnitsOfWork<EventNotice>();
  const handlers = new Map<string, Set<Handler<EventNotice>>>();
  const resyncHandlers = new Set<() => void>();
  const consumers = new Map<string, DurableConsumer<AnyStoredEvent<M>>>();
  const announcer = store.dialect === 'postgres' ? new EventAnnouncer(store.db, nodeId, (error) => onError(error, 'announcing events')) : undefined;
  const sweep = notifier ? new MissedNoticeSweep(store.db, deliverRemote, (error) => onError(error, 'missed-notice sweep'), options.sweep) : undefined;
  if (options.metrics) {
    registerConsumerMetrics(options.metrics, () => consumers.values());
    if (sweep) registerNoticeMetrics(options.metrics, () => sweep.found);
  }

  function dispatch(notice: EventNotice): void {
    for (const key of [notice.type, '*']) {
      for (const handler of handlers.get(key) ?? []) {
        try {
          const result = handler(notice);
          if (result instanceof Promise) result.catch((error: unknown) => onError(error, `subscriber of ${notice.type}`));
        } catch (error) {
          onError(error, `subscriber of ${notice.type}`);
        }
      }
    }
  }

  function wakeConsumers(): void {
    for (const consumer of consumers.values()) consumer.wake();
  }

  function deliverRemote(notice: EventNotice): void {
    dispatch(notice);
    wakeConsumers();
  }

  function receive(message: ChangeMessage): void {
    if (message.n === nodeId) return;
    const notices = noticesOf(message);
    if (!notices) {
      onError(new Error(`Ignored a malformed event notice: ${JSON.stringify(message).slice(0, 200)}`), 'change notifier');
      return;
    }
    let news = false;
    for (const notice of notices) {
      if (sweep && !sweep.heard(notice.sequence)) continue;
      dispatch({ ...notice, origin: 'remote' });
      news = true;
    }
    if (news) wakeConsumers();
  }

  function resync(): void {
    for (const handler of resyncHandlers) {
      try {
        handler();
      } catch (error) {
        onError(error, 'resync handler');
      }
    }
    wakeConsumers();
  }

  const detach = notifier ? [notifier.on(EVENTS_MESSAGE_KIND, receive), notifier.on(EVENT_MESSAGE_KIND, receive), notifier.onResync(resync)] : [];
  sweep?.start();

  const bus: EventBus<M, DB> = {
    async transaction(work) {
      const { result, emitted } = await units.run(store.db, work);
      if (emitted.length === 0) return result;
      for (const notice of emitted) {
        sweep?.heard(notice.sequence);
        dispatch(notice);
      }
      wakeConsumers();
      const announced = announcer?.announce(emitted);
      if (options.announceBeforeReturning) await announced;
      return result;
    },

    async emit(trx, type, input) {
      const [event] = await bus.emitAll(trx, type, [input]);
      return event!;
    },

    async emitAll(trx, type, inputs) {
      if (!trx.isTransaction) throw new Error(`emit('${type}') writes in the caller's transaction: pass the trx of events.transaction(work).`);
      const emitted = units.current();
      if (inputs.length === 0) return [];
      const createdAt = nowIso();
      const rows = inputs.map((input) => {
        const userId = input.userId ?? null;
        const keyBytes = Buffer.byteLength(type) + Buffer.byteLength(input.projectId) + Buffer.byteLength(userId ?? '');
        if (keyBytes > MAX_CHANGE_MESSAGE_BYTES / 4) throw new Error(`Event ${type}: type, projectId and userId must be short keys (they travel in a NOTIFY payload).`);
        return {
          id: newId(),
          project_id: input.projectId,
          user_id: userId,
          type,
          actor_kind: input.actor.kind,
          actor_name: input.actor.name,
          data: JSON.stringify(input.data),
          created_at: createdAt,
        };
      });
      const sequences = await outbox.insertEvents(outbox.eventsDb(trx), rows);
      return rows.map((row, index) => {
        const sequence = sequences[index]!;
        const input = inputs[index]!;
        emitted.push({ sequence, type, projectId: row.project_id, userId: row.user_id, origin: 'local' });
        return { sequence, id: row.id, type, projectId: row.project_id, userId: row.user_id, actor: { ...input.actor }, data: input.data, createdAt };
      });
    },

    subscribe(type: string, handler: Handler<never>) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      const entry = handler as Handler<EventNotice>;
      set.add(entry);
      return () => set.delete(entry);
    },

    onResync(handler) {
      resyncHandlers.add(handler);
      return () => resyncHandlers.delete(handler);
    },

    consume(name, handler, consumerOptions = {}) {
      if (consumers.has(name)) throw new Error(`Durable consumer "${name}" is already running on this bus.`);
      const consumer = new DurableConsumer<AnyStoredEvent<M>>({
        name,
        store,
        transaction: (work) => bus.transaction(work),
        handler,
        toEvent: (row) => toStoredEvent(row) as AnyStoredEvent<M>,
        onError,
        options: consumerOptions,
      });
      consumers.set(name, consumer);
      consumer.wake();
      return consumer;
    },

    async close() {
      for (const off of detach) off();
      await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
      consumers.clear();
      await sweep?.stop();
      await announcer?.flush();
    },
  };
  return bus;
}

function toStoredEvent(row: outbox.EventRow): StoredEvent<Record<string, unknown>, string> {
  return {
    sequence: Number(row.sequence),
    id: row.id,
    type: row.type,
    projectId: row.project_id,
    userId: row.user_id,
    actor: { kind: row.actor_kind as Actor['kind'], name: row.actor_name },
    data: JSON.parse(row.data) as unknown,
    createdAt: row.created_at,
  };
}
