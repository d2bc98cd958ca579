/** How deliveries are made and retried: the numbers docs/reliability.md and docs/api.md quote. */

/** The durable consumer that turns outbox events into deliveries. */
export const FAN_OUT_CONSUMER = 'webhooks.fan-out';
/** The job that sends one delivery (payload `{ deliveryId }`). */
export const DELIVER_JOB = 'portico.webhooks.deliver';

/**
 * Retry delays: 5 s doubling up to 1 h, with "equal jitter" (each delay is between half and all of
 * that), so the first retry comes 2.5-5 s after the first failure.
 */
export const DELIVERY_BACKOFF = { baseMs: 5_000, maxMs: 3_600_000 } as const;
/** A delivery that has failed for this long since its first attempt (or its manual retry) is dead. */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
/**
 * A bound on runs per job, never reached by the schedule above (at most about 60 attempts fit in
 * 24 h): only a handler that kept crashing before recording its attempt would get there.
 */
export const MAX_JOB_ATTEMPTS = 100;

/** One attempt: the whole exchange, per request. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** The longest run of the job (request, signing, bookkeeping). */
export const JOB_TIMEOUT_MS = 30_000;
/** Most of a receiver's answer read; a longer one fails the attempt (receivers should answer briefly). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Most characters of `last_error` kept. */
export const MAX_ERROR_LENGTH = 300;

/** Succeeded and dead deliveries (their payloads included) are deleted this long after their last change. */
export const KEEP_SETTLED_DELIVERIES_MS = 30 * 86_400_000;
/** The hourly job that deletes them. */
export const PRUNE_JOB = 'portico.webhooks.prune';

/** Webhooks per project: every one multiplies each event's deliveries. */
export const MAX_WEBHOOKS_PER_PROJECT = 50;
/** How long the previous secret keeps signing after a rotation, unless the caller says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
