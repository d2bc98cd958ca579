import type { Selectable } from 'kysely';
import type { SecretBinding } from '../../platform/crypto/secret-box.ts';
import { AppError } from '../../platform/errors.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import type { AppContext } from '../context.ts';
import { sealSecret } from '../secrets/index.ts';
import { DEFAULT_ROTATION_GRACE_SECONDS, MAX_WEBHOOKS_PER_PROJECT } from './delivery-policy.ts';
import { newWebhookSecret } from './signature.ts';
import { ALL_EVENTS, type WebhookEventType } from './webhook-events.ts';
import type { Webhook, WebhookWithSecret } from './webhook.schema.ts';
import * as repo from './webhooks.repository.ts';
import type { WebhookTable } from './webhooks.table.ts';

export type WebhookDeps = Pick<AppContext, 'store' | 'secrets' | 'outbound' | 'clock'>;

export type WebhookEvents = Array<WebhookEventType | typeof ALL_EVENTS>;

export interface WebhookInput {
  url: string;
  events: WebhookEvents;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Where a webhook's secrets are sealed: a ciphertext opens only in its own row and field. */
export const secretBinding = (webhookId: string, field: 'secret' | 'previous_secret'): SecretBinding => ({ table: 'webhooks', field, rowId: webhookId });

export function toWebhook(row: Selectable<WebhookTable>): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEvents,
    description: row.description,
    enabled: Number(row.enabled) === 1,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
  };
}

/** One entry per type, in the order given; `"*"` with anything else is just `"*"`. */
function normalizeEvents(events: WebhookEvents): WebhookEvents {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)];
}

/**
 * A URL Portico may call later: absolute http(s), no credentials in it (they would be stored and
 * shown in clear), and a host that resolves to public addresses now (or is allowed by
 * PORTICO_OUTBOUND_ALLOW_HOSTS). Every delivery is checked again, as DNS answers change.
 */
export async function checkWebhookUrl(deps: Pick<WebhookDeps, 'outbound'>, raw: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw AppError.from('WEBHOOK_URL_NOT_ALLOWED', 'The webhook URL is not an absolute URL (https://…).', { reason: 'not-a-url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw AppError.from('WEBHOOK_URL_NOT_ALLOWED', `Webhook URLs must be http or https, not ${url.protocol}`, { reason: 'scheme' });
  }
  if (url.username || url.password) {
    throw AppError.from('WEBHOOK_URL_NOT_ALLOWED', 'Webhook URLs may not carry a user name or password; verify the signature instead.', { reason: 'credentials' });
  }
  try {
    await deps.outbound.check(url);
  } catch (error) {
    const blocked = (error as { code?: string }).code === 'OUTBOUND_REQUEST_BLOCKED';
    throw AppError.from(
      'WEBHOOK_URL_NOT_ALLOWED',
      blocked
        ? `${(error as Error).message} Portico does not send webhooks to its own network unless PORTICO_OUTBOUND_ALLOW_HOSTS lists the host.`
        : `The host ${url.hostname} does not resolve to an address.`,
      { reason: blocked ? 'address-not-allowed' : 'unresolvable', host: url.hostname },
    );
  }
  return url.href;
}

/** Creates a webhook with a new secret, sealed; the secret is in the answer and nowhere else. */
export async function createWebhook(deps: WebhookDeps, projectId: string, input: WebhookInput): Promise<WebhookWithSecret> {
  const url = await checkWebhookUrl(deps, input.url);
  const count = await repo.countWebhooks(deps.store.db, projectId);
  if (count >= MAX_WEBHOOKS_PER_PROJECT) throw AppError.from('WEBHOOK_LIMIT_REACHED', undefined, { limit: MAX_WEBHOOKS_PER_PROJECT });
  const id = newId();
  const secret = newWebhookSecret();
  // Real time, as events are stamped: a webhook gets the events made after its creation.
  const now = nowIso();
  const row: WebhookTable = {
    id,
    project_id: projectId,
    url,
    events: JSON.stringify(normalizeEvents(input.events)),
    description: input.description ?? null,
    enabled: input.enabled === false ? 0 : 1,
    secret: '',
    previous_secret: null,
    previous_secret_expires_at: null,
    created_at: now,
    updated_at: now,
  };
  await deps.store.db.transaction().execute(async (trx) => {
    // sealSecret records the sealing key, so a server missing it refuses to start.
    row.secret = await sealSecret(trx, deps.secrets, secretBinding(id, 'secret'), secret);
    await repo.insertWebhook(trx, row);
  });
  return { ...toWebhook(row), secret };
}

export async function listWebhooks(deps: Pick<WebhookDeps, 'store'>, projectId: string): Promise<Webhook[]> {
  return (await repo.listWebhooks(deps.store.db, projectId)).map(toWebhook);
}

export async function getWebhook(deps: Pick<WebhookDeps, 'store'>, projectId: string, id: string): Promise<Webhook> {
  const row = await repo.findWebhook(deps.store.db, projectId, id);
  if (!row) throw notFound(id);
  return toWebhook(row);
}

/** Changes what is given; a new URL is checked like a new webhook's. Pending deliveries go to the new URL. */
export async function updateWebhook(deps: WebhookDeps, projectId: string, id: string, patch: Partial<WebhookInput>): Promise<Webhook> {
  const url = patch.url === undefined ? undefined : await checkWebhookUrl(deps, patch.url);
  const row = await repo.updateWebhook(deps.store.db, projectId, id, {
    ...(url === undefined ? {} : { url }),
    ...(patch.events === undefined ? {} : { events: JSON.stringify(normalizeEvents(patch.events)) }),
    ...(patch.description === undefined ? {} : { description: patch.description }),
    ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
    updated_at: nowIso(),
  });
  if (!row) throw notFound(id);
  return toWebhook(row);
}

/** Deletes the webhook and its deliveries; jobs still queued for them find nothing and end. */
export async function deleteWebhook(deps: Pick<WebhookDeps, 'store'>, projectId: string, id: string): Promise<void> {
  if (!(await repo.deleteWebhook(deps.store.db, projectId, id))) throw notFound(id);
}

/**
 * A new secret, shown once. The current one keeps signing next to it (a second `v1,` signature)
 * for `graceSeconds`, time to deploy the new one to the receiver; 0 stops it at once.
 */
export async function rotateWebhookSecret(deps: WebhookDeps, projectId: string, id: string, graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS): Promise<WebhookWithSecret> {
  const secret = newWebhookSecret();
  const now = deps.clock.now();
  const row = await deps.store.db.transaction().execute(async (trx) => {
    const current = await repo.findWebhook(trx, projectId, id);
    if (!current) throw notFound(id);
    const previous = graceSeconds > 0 ? deps.secrets.open(current.secret, secretBinding(id, 'secret')) : undefined;
    return repo.updateWebhook(trx, projectId, id, {
      secret: await sealSecret(trx, deps.secrets, secretBinding(id, 'secret'), secret),
      previous_secret: previous === undefined ? null : await sealSecret(trx, deps.secrets, secretBinding(id, 'previous_secret'), previous),
      previous_secret_expires_at: previous === undefined ? null : new Date(now + graceSeconds * 1000).toISOString(),
      updated_at: nowIso(),
    });
  });
  return { ...toWebhook(row!), secret };
}

function notFound(id: string): AppError {
  return AppError.from('WEBHOOK_NOT_FOUND', `No webhook "${id.slice(0, 80)}" in this project.`);
}
