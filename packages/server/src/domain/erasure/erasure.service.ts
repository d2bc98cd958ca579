import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { AppError } from '../../platform/errors.ts';
import { nowIso } from '../../platform/ids.ts';
import type { Actor } from '../events.ts';
import { deleteUserEvents, userEventIds } from '../audit/index.ts';
import { eraseUserConnections } from '../connections/index.ts';
import type { ProjectState } from '../projects/index.ts';
import { deleteUserRow, lockUser } from '../users/index.ts';
import { deleteUserDeliveries } from '../webhooks/index.ts';
import { eraseUserExecutions } from '../workflows/index.ts';
import type { ErasureReceipt } from './erasure.schema.ts';
import { findErasure, upsertErasure } from './erasures.repository.ts';

/** What the tombstone keeps instead of the user id: the project binds it, so ids do not link across projects. */
export function userHash(projectId: string, userId: string): string {
  return createHash('sha256').update(`portico/erasure\u0000${projectId}\u0000${userId}`).digest('hex');
}

/**
 * Erases a Connected User (GDPR), in one transaction: revocations of their tokens are scheduled
 * (the provider is asked after the commit, best effort), then their credentials, configurations,
 * workflow states, OAuth flows, executions, stored webhook payloads, audit events, metadata and
 * the user go; a tombstone keeps the receipt under a hash of the id, and `user.erased` (which names
 * the user, so the app's backend hears of it) is the one event left about them.
 */
export async function eraseUser(ctx: AppContext, state: ProjectState, userId: string, actor: Actor): Promise<ErasureReceipt> {
  const projectId = state.project.id;
  return ctx.events.transaction(async (trx) => {
    const user = await lockUser(trx, ctx.store.dialect, projectId, userId);
    if (!user) throw AppError.from('USER_NOT_FOUND', `No Connected User "${userId.slice(0, 80)}" in this project.`);
    const connections = await eraseUserConnections(ctx, trx, state, user.id);
    const eventIds = await userEventIds(trx, projectId, userId);
    const executions = await eraseUserExecutions(ctx, trx, { projectId, personaId: user.id, eventIds, configIds: connections.configIds });
    await deleteUserDeliveries(trx, projectId, userId);
    const auditEvents = await deleteUserEvents(trx, projectId, userId);
    await deleteUserRow(trx, user.id);
    const erasedAt = nowIso();
    const receipt: Omit<ErasureReceipt, 'userId' | 'erasedAt'> = {
      deleted: { credentials: connections.credentials, workflowSettings: connections.workflowSettings, executions, auditEvents },
      revoked: connections.revoked,
    };
    await upsertErasure(trx, { project_id: projectId, user_hash: userHash(projectId, userId), erased_at: erasedAt, receipt: JSON.stringify(receipt) });
    await ctx.events.emit(trx, 'user.erased', { projectId, userId, actor, data: {} });
    return { userId, erasedAt, ...receipt };
  });
}

/** The receipt of the user's last erasure, or undefined if the id was never erased. */
export async function erasureReceipt(ctx: Pick<AppContext, 'store'>, projectId: string, userId: string): Promise<ErasureReceipt | undefined> {
  const row = await findErasure(ctx.store.db, projectId, userHash(projectId, userId));
  if (!row) return undefined;
  const receipt = JSON.parse(row.receipt) as Omit<ErasureReceipt, 'userId' | 'erasedAt'>;
  return { userId, erasedAt: row.erased_at, ...receipt };
}
