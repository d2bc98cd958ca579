import type { Transaction } from 'kysely';
import type { ChangeDeps } from '../context.ts';
import type { Database } from '../database.ts';
import { systemActor, type Actor } from '../events.ts';
import type { CredentialStatus } from './credential.schema.ts';
import * as repo from './credentials.repository.ts';

/** The credential whose status changes, as the caller has it (locked in its transaction). */
export interface TransitionSubject {
  credentialId: string;
  projectId: string;
  /** The owner's external id (the `sub` events carry). */
  userSub: string;
  integrationId: string;
  integrationType: string;
  /** The status it has now. */
  from: CredentialStatus;
}

export interface StatusTransition {
  to: CredentialStatus;
  /** Why, in words a support engineer understands; never a token. */
  reason: string;
  /** When; ISO 8601. */
  at: string;
  /** Count the failed refresh that caused an INVALID (the count starts over on VALID). */
  countFailure?: boolean | undefined;
  actor?: Actor | undefined;
}

const MAX_REASON_LENGTH = 500;

/**
 * The one place a credential's status changes between VALID and INVALID (and the place a reconnect
 * sets it): records the reason and time, counts or resets refresh failures, and emits
 * `credential.invalid` (turned INVALID) or `credential.recovered` (INVALID turned VALID) in the
 * caller's transaction, so workflows, webhooks and the audit timeline hook into one event each.
 * Returns whether the status changed.
 */
export async function transitionCredential(
  trx: Transaction<Database>,
  deps: Pick<ChangeDeps, 'events'>,
  subject: TransitionSubject,
  change: StatusTransition,
): Promise<boolean> {
  const reason = change.reason.slice(0, MAX_REASON_LENGTH);
  const changed = subject.from !== change.to;
  // An unchanged status keeps the reason and time of the change that set it.
  if (changed) {
    await repo.setCredentialStatus(trx, subject.credentialId, {
      status: change.to,
      status_reason: reason,
      status_changed_at: change.at,
      ...(change.to === 'VALID' ? { refresh_failure_count: 0 } : {}),
      updated_at: change.at,
    });
  }
  if (change.to === 'INVALID' && change.countFailure) await repo.countRefreshFailure(trx, subject.credentialId, change.at);
  const type = change.to === 'INVALID' && subject.from !== 'INVALID' ? 'credential.invalid'
    : change.to === 'VALID' && subject.from === 'INVALID' ? 'credential.recovered'
      : undefined;
  if (type) {
    await deps.events.emit(trx, type, {
      projectId: subject.projectId,
      userId: subject.userSub,
      actor: change.actor ?? systemActor('credential-refresher'),
      data: { integrationId: subject.integrationId, integrationType: subject.integrationType, credentialId: subject.credentialId, reason },
    });
  }
  return changed;
}
