/**
 * The platform knows no event names: each feature declares its events in one map, e.g.
 * `interface PorticoEvents { 'user.metadata.updated': { keys: string[] } }`, and the bus is typed by it.
 */
export type EventMap<M> = { [K in keyof M]: object };

export type EventType<M> = Extract<keyof M, string>;

/** Who caused the change. */
export interface Actor {
  kind: 'user' | 'api_key' | 'staff' | 'system';
  /** The user's external id, the API key's name, the staff email, or the system component. */
  name: string;
}

/** What a domain service passes to `emit`. */
export interface EmitInput<Data> {
  projectId: string;
  /** The connected user the change concerns, if any. */
  userId?: string | null;
  actor: Actor;
  data: Data;
}

/** An event as stored in the outbox and handed to durable consumers. */
export interface StoredEvent<M, K extends EventType<M> = EventType<M>> {
  sequence: number;
  id: string;
  type: K;
  projectId: string;
  userId: string | null;
  actor: Actor;
  data: M[K];
  createdAt: string;
}

/** Any event of the map, as a union that `switch (event.type)` narrows. */
export type AnyStoredEvent<M> = { [K in EventType<M>]: StoredEvent<M, K> }[EventType<M>];

/**
 * What in-process subscribers receive once the change is committed, on this node (`local`) or
 * another one (`remote`, via LISTEN/NOTIFY). It carries keys, not data: subscribers are for
 * invalidating caches; anything that needs the data is a durable consumer.
 */
export interface EventNotice<K extends string = string> {
  sequence: number;
  type: K;
  projectId: string;
  userId: string | null;
  origin: 'local' | 'remote';
}

export type AnyEventNotice<M> = { [K in EventType<M>]: EventNotice<K> }[EventType<M>];
