/** An endpoint of the project's backend that receives its events, signed with the webhook's secret. */
export interface WebhookTable {
  id: string;
  project_id: string;
  url: string;
  /** JSON array of event types, or `["*"]` for every type. */
  events: string;
  description: string | null;
  /** 1 while events are delivered to it; 0 stops new deliveries (those made earlier still run). */
  enabled: number;
  /** The signing secret (`whsec_…`), sealed for this row and field; shown once, never stored in clear. */
  secret: string;
  /** After a rotation: the previous secret, sealed, still signing (a second signature) until it expires. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

/**
 * One event for one webhook: made by the fan-out consumer in the transaction that reads the event
 * from the outbox, sent by the delivery job. Its id is the `webhook-id` header, the same on every
 * attempt, so the receiver can drop a second copy.
 */
export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  project_id: string;
  /** The outbox event (`events.id`); unique per webhook, so an event is never fanned out twice. */
  event_id: string;
  event_type: string;
  /** The Connected User's external id the event is about, if any (erasure deletes their deliveries). */
  user_id: string | null;
  /** The exact JSON body sent (and signed): `{"type", "timestamp", "data"}`; ids and keys only. */
  payload: string;
  status: DeliveryStatus;
  /** Attempts made so far, manual retries included. */
  attempts: number;
  /** 0 for the automatic schedule; each manual retry starts round n + 1 (its own job). */
  round: number;
  last_status_code: number | null;
  /** Why the last attempt failed (status, timeout, refused connection); never a secret or a response body. */
  last_error: string | null;
  /** Start of the current retry window (24 h): creation, or the manual retry. */
  window_started_at: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}
