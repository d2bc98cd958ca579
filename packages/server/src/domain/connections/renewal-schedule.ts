import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import { renewalTime } from './renewal-rule.ts';

export const CREDENTIAL_REFRESH_JOB = 'portico.credentials.refresh';

/** Payload of a renewal job: the credential, and the expiry it renews (a job for an older expiry does nothing). */
export interface RenewalJob {
  credentialId: string;
  expiresAt: string;
}

/**
 * Enqueues, in the transaction that stores a token expiring at `expiresAt`, the job that renews it
 * when its renewal window opens. One job per credential and expiry (the idempotency key), so storing
 * the same tokens twice, or two nodes scheduling the same renewal, makes one job.
 */
export async function scheduleRenewal(trx: Kysely<any>, ctx: Pick<AppContext, 'jobs'>, credentialId: string, issuedAt: string, expiresAt: string | null): Promise<void> {
  if (expiresAt === null) return;
  const expiry = Date.parse(expiresAt);
  const runAt = new Date(renewalTime(Date.parse(issuedAt), expiry));
  await ctx.jobs.enqueue<RenewalJob>(CREDENTIAL_REFRESH_JOB, { credentialId, expiresAt: new Date(expiry).toISOString() }, {
    trx,
    key: `credential-refresh:${credentialId}:${expiry}`,
    runAt,
    maxAttempts: 8,
  });
}
