import { Type, type Static } from '@sinclair/typebox';
import { Nullable, OpenObject, StringEnum } from '../../platform/http/schemas.ts';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from './webhook-events.ts';

export const WebhookEventName = StringEnum([...WEBHOOK_EVENT_TYPES, ALL_EVENTS], { description: 'An event type, or "*" for all of them' });

/** A webhook as the Admin API shows it: never its secret. */
export const Webhook = Type.Object(
  {
    id: Type.String({ description: 'Webhook id (UUID)' }),
    url: Type.String({ description: 'Where events are POSTed' }),
    events: Type.Array(WebhookEventName, { description: 'The event types sent to it; ["*"] is every type' }),
    description: Nullable(Type.String()),
    enabled: Type.Boolean({ description: 'False: no new deliveries are made for it' }),
    previousSecretExpiresAt: Nullable(Type.String({ format: 'date-time' }), { description: 'After a rotation, until when the previous secret also signs (a second signature)' }),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
  },
  { $id: 'Webhook', description: 'An outbound webhook of the project' },
);
export type Webhook = Static<typeof Webhook>;

export const WebhookWithSecret = Type.Object(
  {
    ...Webhook.properties,
    secret: Type.String({ description: 'The signing secret (whsec_…): shown this once, never again' }),
  },
  { description: 'The webhook and its signing secret, shown once' },
);
export type WebhookWithSecret = Static<typeof WebhookWithSecret>;

export const WebhookDelivery = Type.Object(
  {
    id: Type.String({ description: 'Delivery id: the webhook-id header of every attempt' }),
    webhookId: Type.String(),
    eventId: Type.String({ description: 'The audit event it carries' }),
    eventType: Type.String(),
    userId: Nullable(Type.String()),
    status: StringEnum(['pending', 'succeeded', 'dead'] as const, { description: 'pending: not delivered yet (retries scheduled); dead: gave up after 24 h of failures' }),
    attempts: Type.Integer({ description: 'Attempts made, manual retries included' }),
    lastStatusCode: Nullable(Type.Integer(), { description: "The receiver's HTTP status at the last attempt; null if none answered" }),
    lastError: Nullable(Type.String(), { description: 'Why the last attempt failed' }),
    payload: OpenObject('The body sent: {type, timestamp, data}'),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    lastAttemptAt: Nullable(Type.String({ format: 'date-time' })),
    nextAttemptAt: Nullable(Type.String({ format: 'date-time' }), { description: 'When a pending delivery is tried next (now or past: due, or being tried); null once settled' }),
    deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'WebhookDelivery', description: 'One event sent to one webhook' },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;
