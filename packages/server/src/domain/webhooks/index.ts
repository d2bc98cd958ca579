/** The webhooks room's facade: what other rooms, the API and the context may use. */
import type { AppContext } from '../context.ts';
import { registerDeliveryJob, registerDeliveryPruning } from './delivery.job.ts';
import { FAN_OUT_CONSUMER } from './delivery-policy.ts';
import { fanOutHandler } from './fan-out.ts';

export { listDeliveries, retryDelivery } from './deliveries.service.ts';
export type { DeliveryPage } from './deliveries.service.ts';
export { deleteUserDeliveries } from './deliveries.repository.ts';
export { DELIVER_JOB, FAN_OUT_CONSUMER, PRUNE_JOB, RETRY_WINDOW_MS } from './delivery-policy.ts';
export { ALL_EVENTS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.ts';
export { Webhook, WebhookDelivery, WebhookEventName, WebhookWithSecret } from './webhook.schema.ts';
export { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateWebhookSecret, updateWebhook } from './webhooks.service.ts';
export type { WebhookInput } from './webhooks.service.ts';
export { newestSealedWebhookSecret, resealWebhookSecrets } from './secrets-at-rest.ts';
export type { WebhookSecretResealReport } from './secrets-at-rest.ts';
export type { WebhookDeliveryTable, WebhookTable } from './webhooks.table.ts';

/**
 * Starts the fan-out consumer (events -> delivery rows and jobs) and registers the delivery job and
 * the hourly prune of settled deliveries on this node. The consumer runs on every node; on
 * PostgreSQL its cursor's row lock lets one node at a time read a batch. Deliveries are sent
 * wherever job workers run.
 */
export function registerWebhooks(ctx: Pick<AppContext, 'store' | 'events' | 'jobs' | 'secrets' | 'outbound' | 'clock'>, options: { concurrency: number }): void {
  registerDeliveryJob(ctx.jobs, ctx, options.concurrency);
  registerDeliveryPruning(ctx.jobs, ctx);
  ctx.events.consume(FAN_OUT_CONSUMER, fanOutHandler(ctx.jobs, ctx.clock), { batchSize: 200 });
}
