import type { AnyStoredEvent } from '../../platform/events/index.ts';
import type { PorticoEvents } from '../events.ts';

/**
 * The events a webhook may subscribe to (issue 12; names as in `PorticoEvents`). Events not yet
 * emitted by any code (`execution.failed` before workflow runs exist) are accepted: they flow as
 * soon as their room emits them.
 */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.metadata.updated',
  'user.disabled',
  'user.enabled',
  'user.erased',
  'integration.installed',
  'integration.uninstalled',
  'credential.invalid',
  'credential.recovered',
  'workflow.enabled',
  'workflow.disabled',
  'execution.failed',
] as const satisfies ReadonlyArray<keyof PorticoEvents>;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes to every type in the list, including ones added later. */
export const ALL_EVENTS = '*';

const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(type: string): type is WebhookEventType {
  return TYPES.has(type);
}

/** Whether a webhook subscribed to `events` gets an event of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return isWebhookEventType(type) && (events.includes(ALL_EVENTS) || events.includes(type));
}

/**
 * The body sent for an event: `{"type", "timestamp", "data"}` (Standard Webhooks), `timestamp` the
 * moment of the change, `data` the project, the user and the event's own fields: ids and keys,
 * which is all the outbox holds (no metadata values, tokens or secrets).
 */
export function webhookBody(event: AnyStoredEvent<PorticoEvents>): string {
  const data = { projectId: event.projectId, ...(event.userId === null ? {} : { userId: event.userId }), ...event.data };
  return JSON.stringify({ type: event.type, timestamp: event.createdAt, data });
}
