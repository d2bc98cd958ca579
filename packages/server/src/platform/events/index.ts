export { createEventBus, type EventBus, type EventBusOptions } from './event-bus.ts';
export type { Actor, AnyEventNotice, AnyStoredEvent, EmitInput, EventMap, EventNotice, EventType, StoredEvent } from './event-types.ts';
export { PgChangeNotifier, notifyChange, CHANGE_CHANNEL, type ChangeMessage, type PgChangeNotifierOptions } from './change-notifier.ts';
export type { ConsumerOptions, DurableConsumer } from './durable-consumer.ts';
export type { StoreTransaction } from './unit-of-work.ts';
export type { EventTables } from './events.table.ts';
export { eventsMigration } from './events.migration.ts';
export { eventsSequenceOrderMigration } from './events-sequence-order.migration.ts';
