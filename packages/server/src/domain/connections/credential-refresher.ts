import type { AppContext } from '../context.ts';
import { openSecrets, issuedAtOf, renewCredential } from './credential-refresh.ts';
import * as repo from './credentials.repository.ts';
import { RENEWAL_LEAD_CAP_MS, renewalTime } from './renewal-rule.ts';
import { CREDENTIAL_REFRESH_JOB, scheduleRenewal, type RenewalJob } from './renewal-schedule.ts';

export const CREDENTIAL_REFRESH_SWEEP_JOB = 'portico.credentials.refresh-sweep';

/** A renewal job may run this much before the renewal time (nodes' clocks differ a little). */
const EARLY_SLACK_MS = 5_000;
/** Credentials the sweep looks at: expiring within the longest renewal lead plus two sweeps. */
const SWEEP_HORIZON_MS = RENEWAL_LEAD_CAP_MS + 2 * 60_000;
const SWEEP_BATCH = 1000;
/** A credential past its expiry whose renewal job died gets a new one this often. */
const LATE_RETRY_BUCKET_MS = 10 * 60_000;

class RenewalPostponed extends Error {
  override name = 'RenewalPostponed';
}

/** One renewal job: renews the token unless it was renewed, reconnected, invalidated or deleted since the job was scheduled. */
async function runRenewalJob(ctx: AppContext, payload: RenewalJob, log: (message: string, fields?: Record<string, unknown>) => void): Promise<void> {
  const row = await repo.findCredentialState(ctx.store.db, payload.credentialId);
  if (!row || row.status !== 'VALID') return;
  // Another renewal (or a reconnect) stored a token with another expiry and scheduled its own job.
  if (row.expires_at === null || Date.parse(row.expires_at) !== Date.parse(payload.expiresAt)) return;
  const secrets = openSecrets(ctx, row);
  const expiresAt = Date.parse(row.expires_at);
  if (!secrets.refreshToken && ctx.clock.now() < expiresAt) {
    // Nothing can renew it: come back when it expires, to mark it INVALID then.
    await ctx.jobs.enqueue<RenewalJob>(CREDENTIAL_REFRESH_JOB, payload, { key: `credential-refresh:${row.id}:${expiresAt}:expiry`, runAt: new Date(expiresAt), maxAttempts: 3 });
    return;
  }
  const outcome = await renewCredential(ctx, row.id, secrets.accessToken, { kind: 'due', slackMs: EARLY_SLACK_MS });
  switch (outcome.kind) {
    case 'usable':
      if (outcome.refreshed || outcome.secrets.accessToken !== secrets.accessToken) return;
      // Ran early (clock skew between nodes): the retry comes back after a backoff.
      throw new RenewalPostponed(`credential ${row.id} is not due for renewal yet`);
    case 'gone':
      return;
    case 'status':
      // The reason is the provider's refusal in words, never a token.
      if (outcome.status === 'INVALID') log('credential marked INVALID', { credentialId: row.id, reason: outcome.reason });
      return;
    case 'unavailable':
    case 'blocked':
      // Retried with the queue's capped backoff; the status stays VALID.
      throw new Error(`renewing credential ${row.id} failed: ${outcome.message}`);
  }
}

/**
 * Schedules a renewal job for every VALID credential expiring soon that has none: credentials stored
 * before the refresher existed, or imported by a path that did not schedule one. The job key makes
 * this a no-op for credentials already scheduled; one whose job died after its expiry gets a new
 * job every 10 minutes.
 */
export async function sweepExpiringCredentials(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const rows = await repo.listExpiringCredentials(ctx.store.db, new Date(now + SWEEP_HORIZON_MS).toISOString(), SWEEP_BATCH);
  for (const row of rows) {
    const expiresAt = Date.parse(row.expires_at!);
    const issuedAt = new Date(issuedAtOf(row)).toISOString();
    if (expiresAt > now) {
      await scheduleRenewal(ctx.store.db, ctx, row.id, issuedAt, row.expires_at);
      continue;
    }
    const bucket = Math.floor(now / LATE_RETRY_BUCKET_MS);
    await ctx.jobs.enqueue<RenewalJob>(CREDENTIAL_REFRESH_JOB, { credentialId: row.id, expiresAt: new Date(expiresAt).toISOString() }, {
      key: `credential-refresh:${row.id}:${expiresAt}:late:${bucket}`,
      runAt: new Date(Math.max(now, renewalTime(issuedAtOf(row), expiresAt))),
      maxAttempts: 3,
    });
  }
  return rows.length;
}

/**
 * The durable refresher: renewal jobs (scheduled when tokens are stored, see scheduleRenewal) and a
 * sweep every minute. Register before the queue starts; every node runs them, each job once.
 */
export function registerCredentialRefresher(ctx: AppContext): void {
  ctx.jobs.register<RenewalJob>(CREDENTIAL_REFRESH_JOB, (payload, helpers) => runRenewalJob(ctx, payload, helpers.log), {
    concurrency: 4,
    // Longer than a token request may take (15 s), so a slow provider does not cost the lease.
    leaseMs: 60_000,
    timeoutMs: 45_000,
  });
  ctx.jobs.register(CREDENTIAL_REFRESH_SWEEP_JOB, async (_payload, helpers) => {
    const scheduled = await sweepExpiringCredentials(ctx);
    if (scheduled > 0) helpers.log('expiring credentials checked', { credentials: scheduled });
  }, { concurrency: 1 });
  ctx.jobs.schedule(CREDENTIAL_REFRESH_SWEEP_JOB, '* * * * *');
}
