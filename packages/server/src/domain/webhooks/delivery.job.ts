import { isAppError } from '../../platform/errors.ts';
import type { JobHelpers, JobQueue } from '../../platform/jobs/index.ts';
import type { AppContext } from '../context.ts';
import { deleteSettledDeliveries, findDeliveryToSend, recordAttempt } from './deliveries.repository.ts';
import {
  DELIVER_JOB, DELIVERY_BACKOFF, JOB_TIMEOUT_MS, KEEP_SETTLED_DELIVERIES_MS, MAX_ERROR_LENGTH, MAX_RESPONSE_BYTES, PRUNE_JOB, REQUEST_TIMEOUT_MS,
  RETRY_WINDOW_MS,
} from './delivery-policy.ts';
import type { DeliverPayload } from './fan-out.ts';
import { signatureHeaders } from './signature.ts';
import { secretBinding } from './webhooks.service.ts';

export type DeliveryDeps = Pick<AppContext, 'store' | 'secrets' | 'outbound' | 'clock'>;

class DeliveryFailed extends Error {
  override name = 'DeliveryFailed';
}

/** The outcome of one POST: a status if the receiver answered, an error if it did not or said no. */
interface Attempt {
  status: number | null;
  error: string | null;
}

/**
 * Sends one delivery, signed with every secret still signing. A 2xx ends it; anything else is
 * recorded and thrown, so the queue retries it with the delivery backoff; the attempt that finds
 * 24 h of failures behind it records the delivery dead and ends the job.
 */
export async function deliver(deps: DeliveryDeps, payload: DeliverPayload, helpers: JobHelpers): Promise<void> {
  const found = await findDeliveryToSend(deps.store.db, payload.deliveryId);
  // Deleted with its webhook, settled by an earlier run, or a newer round took over.
  if (!found || found.status !== 'pending' || Number(found.round) !== payload.round) return;

  const nowMs = deps.clock.now();
  const secrets = [deps.secrets.open(found.secret, secretBinding(found.webhook_id, 'secret'))];
  if (found.previous_secret && found.previous_secret_expires_at && Date.parse(found.previous_secret_expires_at) > nowMs) {
    secrets.push(deps.secrets.open(found.previous_secret, secretBinding(found.webhook_id, 'previous_secret')));
  }
  const attempt = await post(deps, found.url, {
    'content-type': 'application/json',
    'user-agent': 'Portico-Webhooks/1',
    // Wall time: receivers check it against their own clocks.
    ...signatureHeaders(secrets, found.id, Math.floor(Date.now() / 1000), found.payload),
  }, found.payload);

  const at = new Date(deps.clock.now()).toISOString();
  const outcome = { last_status_code: attempt.status, last_error: attempt.error, last_attempt_at: at, updated_at: at };
  // A settled delivery is recorded before its job: a crash in between reruns the job, which finds
  // the delivery settled and ends (plain writes, which SQLite group-commits, rather than a transaction).
  if (attempt.error === null) {
    await recordAttempt(deps.store.db, found.id, payload.round, { ...outcome, status: 'succeeded', delivered_at: at });
    return;
  }
  const windowOver = Date.parse(at) - Date.parse(found.window_started_at) >= RETRY_WINDOW_MS;
  if (windowOver || helpers.attempt >= helpers.maxAttempts) {
    await recordAttempt(deps.store.db, found.id, payload.round, { ...outcome, status: 'dead' });
    helpers.log('webhook delivery is dead: it failed for 24 hours', { deliveryId: found.id, webhookId: found.webhook_id, error: attempt.error });
    return;
  }
  await recordAttempt(deps.store.db, found.id, payload.round, outcome);
  throw new DeliveryFailed(`Delivery ${found.id} failed: ${attempt.error}`);
}

async function post(deps: DeliveryDeps, url: string, headers: Record<string, string>, body: string): Promise<Attempt> {
  try {
    const response = await deps.outbound.request(url, {
      method: 'POST',
      headers,
      body,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      // A redirect is an answer, not a success: receivers give their final URL.
      maxRedirects: 0,
    });
    const ok = response.status >= 200 && response.status < 300;
    return { status: response.status, error: ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { status: null, error: describeFailure(error) };
  }
}

/** What went wrong, for the delivery log: messages of the guard and the socket name hosts, never secrets. */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Too many redirects/.test(message)) return 'The receiver answered with a redirect; webhooks do not follow redirects (use the final URL).';
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' && !isAppError(error) && !message.includes(code) ? `${code}: ${message}` : message;
  return text.slice(0, MAX_ERROR_LENGTH);
}

/** Registers the delivery job; its runs take at most half of the node's job slots. */
export function registerDeliveryJob(jobs: JobQueue, deps: DeliveryDeps, concurrency: number): void {
  jobs.register<DeliverPayload>(DELIVER_JOB, (payload, helpers) => deliver(deps, payload, helpers), {
    concurrency,
    timeoutMs: JOB_TIMEOUT_MS,
    backoff: DELIVERY_BACKOFF,
  });
}

/** Deletes deliveries settled for 30 days, hourly: the log shows the recent past, not every event ever sent. */
export function registerDeliveryPruning(jobs: JobQueue, deps: Pick<DeliveryDeps, 'store' | 'clock'>): void {
  jobs.register(PRUNE_JOB, async (_payload, helpers) => {
    const before = new Date(deps.clock.now() - KEEP_SETTLED_DELIVERIES_MS).toISOString();
    let deleted = 0;
    for (let batch = await deleteSettledDeliveries(deps.store.db, before, 1000); batch > 0; batch = await deleteSettledDeliveries(deps.store.db, before, 1000)) {
      deleted += batch;
      if (helpers.signal.aborted) break;
    }
    helpers.log('settled webhook deliveries deleted', { deleted });
  }, { concurrency: 1 });
  jobs.schedule(PRUNE_JOB, '17 * * * *');
}
