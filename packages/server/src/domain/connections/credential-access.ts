import type { AppContext } from '../context.ts';
import { AppError } from '../../platform/errors.ts';
import * as repo from './credentials.repository.ts';
import type { CredentialSecrets } from './credentials.service.ts';
import { openSecrets, renewCredential, renewalDue, type RenewalOutcome, type RenewalTrigger } from './credential-refresh.ts';

function invalid(credentialId: string, reason: string | null): AppError {
  return AppError.from(
    'CREDENTIAL_INVALID',
    `Credential ${credentialId} no longer works${reason ? ` (${reason.replace(/\.$/, '')})` : ''}: the user must reconnect the account.`,
    { credentialId, ...(reason ? { reason } : {}) },
  );
}

function refused(credentialId: string, status: 'INVALID' | 'PENDING', reason: string | null): AppError {
  if (status === 'INVALID') return invalid(credentialId, reason);
  return AppError.from('CREDENTIAL_PENDING', `Credential ${credentialId} is PENDING: the user must finish connecting it (its post-OAuth inputs) first.`, { credentialId });
}

function notFound(credentialId: string): AppError {
  return AppError.from('CREDENTIAL_NOT_FOUND', `No credential ${credentialId.slice(0, 80)}.`, { credentialId: credentialId.slice(0, 80) });
}

function waitFor<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  // The renewal goes on for the other callers; only this caller stops waiting.
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Rounds: a caller that joined a renewal triggered for another reason looks again once it ends. */
const MAX_ROUNDS = 3;

/** Decrypted secrets of a usable credential. Refreshes first (one refresh per credential across all nodes; concurrent callers wait for it) when the access token is within the renewal window, or when `rejectedAccessToken` equals the stored token (the caller saw the provider answer 401 with it). */
export async function usableSecrets(ctx: AppContext, credentialId: string, options?: { rejectedAccessToken?: string; signal?: AbortSignal }): Promise<CredentialSecrets> {
  const trigger: RenewalTrigger = options?.rejectedAccessToken === undefined ? { kind: 'due' } : { kind: 'rejected', accessToken: options.rejectedAccessToken };
  for (let round = 1; ; round++) {
    options?.signal?.throwIfAborted();
    const row = await repo.findCredentialState(ctx.store.db, credentialId);
    if (!row) throw notFound(credentialId);
    if (row.status !== 'VALID') throw refused(credentialId, row.status, row.status_reason);
    const secrets = openSecrets(ctx, row);
    if (!renewalDue(row, secrets, trigger, ctx.clock.now())) return secrets;
    const outcome: RenewalOutcome = await waitFor(renewCredential(ctx, credentialId, secrets.accessToken, trigger), options?.signal);
    switch (outcome.kind) {
      case 'usable':
        if (outcome.refreshed || trigger.kind === 'due' || outcome.secrets.accessToken !== trigger.accessToken || round >= MAX_ROUNDS) return outcome.secrets;
        continue;
      case 'gone':
        throw notFound(credentialId);
      case 'status':
        throw refused(credentialId, outcome.status, outcome.reason);
      case 'blocked':
        throw AppError.from('OUTBOUND_REQUEST_BLOCKED', `${outcome.message} Allow the host with PORTICO_OUTBOUND_ALLOW_HOSTS if it is meant to be private.`, { credentialId });
      case 'unavailable':
        throw AppError.from('PROVIDER_UNAVAILABLE', `The access token could not be renewed right now: ${outcome.message} Retry later.`, {
          credentialId, retryable: true, refreshFailureCount: outcome.failures,
        });
    }
  }
}

