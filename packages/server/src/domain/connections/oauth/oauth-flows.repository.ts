import type { Db } from '../../database.ts';
import type { OAuthFlowTable } from './oauth-flows.table.ts';

export function insertFlow(db: Db, row: OAuthFlowTable) {
  return db.insertInto('oauth_flows').values(row).execute();
}

export function findFlowByStateHash(db: Db, stateHash: string) {
  return db.selectFrom('oauth_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
}

/** Claims the flow for one callback; false when another callback claimed it first. */
export async function claimFlow(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db.updateTable('oauth_flows').set({ consumed_at: at }).where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function finishFlow(db: Db, id: string, outcome: Pick<OAuthFlowTable, 'status' | 'credential_id' | 'error'>) {
  return db.updateTable('oauth_flows').set(outcome).where('id', '=', id).execute();
}

/** The newest flow of the user with this polling key. */
export function findSession(db: Db, userId: string, oauthMetaKeyId: string) {
  return db.selectFrom('oauth_flows').select(['status', 'credential_id']).where('user_id', '=', userId).where('oauth_meta_key_id', '=', oauthMetaKeyId)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function forgetSession(db: Db, userId: string, oauthMetaKeyId: string): Promise<number> {
  const result = await db.updateTable('oauth_flows').set({ oauth_meta_key_id: null }).where('user_id', '=', userId).where('oauth_meta_key_id', '=', oauthMetaKeyId).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes flows that expired before `before`, in one bounded batch; the number deleted. */
export async function deleteExpiredFlows(db: Db, before: string, limit: number): Promise<number> {
  const ids = db.selectFrom('oauth_flows').select('id').where('expires_at', '<', before).limit(limit);
  const result = await db.deleteFrom('oauth_flows').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}
