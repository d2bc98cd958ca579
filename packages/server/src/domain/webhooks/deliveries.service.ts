import type { Selectable } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import type { AppContext } from '../context.ts';
import * as deliveries from './deliveries.repository.ts';
import { deliveryJobKey, enqueueDelivery } from './fan-out.ts';
import type { WebhookDelivery } from './webhook.schema.ts';
import { findWebhook } from './webhooks.repository.ts';
import type { WebhookDeliveryTable } from './webhooks.table.ts';

type Deps = Pick<AppContext, 'store' | 'jobs' | 'clock'>;

export interface DeliveryPage {
  data: WebhookDelivery[];
  nextCursor: string | null;
}

export function toDelivery(row: Selectable<WebhookDeliveryTable>, nextAttemptAt: string | null = null): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    userId: row.user_id,
    status: row.status,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    payload: JSON.parse(row.payload) as WebhookDelivery['payload'],
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? nextAttemptAt : null,
    deliveredAt: row.delivered_at,
  };
}

/** The webhook's deliveries, newest first, `limit` at a time. */
export async function listDeliveries(deps: Deps, projectId: string, webhookId: string, options: { limit: number; cursor?: string | undefined }): Promise<DeliveryPage> {
  await requireWebhook(deps, projectId, webhookId);
  const before = options.cursor === undefined
    ? undefined
    : decodeCursor(options.cursor, ([createdAt, id]) => (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt)) ? { createdAt, id } : undefined));
  const rows = await deliveries.listDeliveries(deps.store.db, webhookId, options.limit + 1, before);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const keyOf = (row: (typeof page)[number]) => deliveryJobKey(row.id, Number(row.round));
  const next = await deliveries.nextRuns(deps.store.db, page.filter((row) => row.status === 'pending').map(keyOf));
  return {
    data: page.map((row) => toDelivery(row, next.get(keyOf(row)) ?? null)),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}

/**
 * Sends a succeeded or dead delivery again, with the same webhook-id, as a new round: a new job
 * with a fresh 24 h retry window. A pending one already has its retries scheduled: 409.
 */
export async function retryDelivery(deps: Deps, projectId: string, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
  await requireWebhook(deps, projectId, webhookId);
  const now = new Date(deps.clock.now()).toISOString();
  const row = await deps.store.db.transaction().execute(async (trx) => {
    const restarted = await deliveries.restartDelivery(trx, webhookId, deliveryId, now);
    if (restarted) await enqueueDelivery(deps.jobs, trx, restarted.id, Number(restarted.round));
    return restarted;
  });
  if (row) return toDelivery(row, now);
  const existing = await deliveries.findDelivery(deps.store.db, webhookId, deliveryId);
  if (!existing) throw AppError.from('WEBHOOK_DELIVERY_NOT_FOUND', `No delivery "${deliveryId.slice(0, 80)}" for this webhook.`);
  throw AppError.from('WEBHOOK_DELIVERY_PENDING', undefined, { attempts: Number(existing.attempts) });
}

async function requireWebhook(deps: Deps, projectId: string, webhookId: string): Promise<void> {
  if (!(await findWebhook(deps.store.db, projectId, webhookId))) throw AppError.from('WEBHOOK_NOT_FOUND', `No webhook "${webhookId.slice(0, 80)}" in this project.`);
}
