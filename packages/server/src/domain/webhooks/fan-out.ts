import type { Insertable, Transaction } from 'kysely';
import type { AnyStoredEvent } from '../../platform/events/index.ts';
import { newId } from '../../platform/ids.ts';
import type { JobQueue } from '../../platform/jobs/index.ts';
import type { Clock } from '../../platform/time/clock.ts';
import type { Database } from '../database.ts';
import type { PorticoEvents } from '../events.ts';
import { insertDeliveries } from './deliveries.repository.ts';
import { DELIVER_JOB, MAX_JOB_ATTEMPTS } from './delivery-policy.ts';
import { isWebhookEventType, subscribes, webhookBody } from './webhook-events.ts';
import { subscribersOf } from './webhooks.repository.ts';
import type { WebhookDeliveryTable } from './webhooks.table.ts';

/** What the delivery job receives: which delivery, and which round of it (a manual retry is a new round). */
export interface DeliverPayload {
  deliveryId: string;
  round: number;
}

/** The job's idempotency key: one job per delivery and round. */
export const deliveryJobKey = (deliveryId: string, round: number): string => `webhook-delivery:${deliveryId}:${round}`;

export function enqueueDelivery(jobs: JobQueue, trx: Transaction<Database>, deliveryId: string, round: number): Promise<unknown> {
  const payload: DeliverPayload = { deliveryId, round };
  return jobs.enqueue(DELIVER_JOB, payload, { trx, key: deliveryJobKey(deliveryId, round), maxAttempts: MAX_JOB_ATTEMPTS });
}

/**
 * The durable consumer's handler: for each event a webhook subscribes to, a delivery row and its
 * job, written in the consumer's transaction with the cursor's advance. A crash before the commit
 * leaves the event unread (it is handed over again); after it, the job is durable. A webhook gets
 * only events made after it was created (the consumer may lag behind its creation).
 */
export function fanOutHandler(jobs: JobQueue, clock: Clock) {
  return async (events: Array<AnyStoredEvent<PorticoEvents>>, trx: Transaction<Database>): Promise<void> => {
    const relevant = events.filter((event) => isWebhookEventType(event.type));
    if (relevant.length === 0) return;
    const hooks = await subscribersOf(trx, [...new Set(relevant.map((event) => event.projectId))]);
    if (hooks.length === 0) return;
    const subscriptions = hooks.map((hook) => ({ ...hook, types: JSON.parse(hook.events) as string[], since: Date.parse(hook.created_at) }));
    const now = new Date(clock.now()).toISOString();
    const rows: Array<Insertable<WebhookDeliveryTable>> = [];
    for (const event of relevant) {
      let body: string | undefined;
      for (const hook of subscriptions) {
        if (hook.project_id !== event.projectId || !subscribes(hook.types, event.type) || Date.parse(event.createdAt) < hook.since) continue;
        body ??= webhookBody(event);
        rows.push({
          id: newId(),
          webhook_id: hook.id,
          project_id: event.projectId,
          event_id: event.id,
          event_type: event.type,
          user_id: event.userId,
          payload: body,
          status: 'pending',
          attempts: 0,
          round: 0,
          window_started_at: now,
          created_at: now,
          updated_at: now,
        });
      }
    }
    if (rows.length === 0) return;
    for (const id of await insertDeliveries(trx, rows)) await enqueueDelivery(jobs, trx, id, 0);
  };
}
