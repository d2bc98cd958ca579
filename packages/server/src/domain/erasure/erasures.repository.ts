import type { Db } from '../database.ts';
import type { UserErasureTable } from './erasures.table.ts';

/** Records an erasure; erasing a later user of the same id replaces the earlier tombstone. */
export function upsertErasure(db: Db, row: UserErasureTable) {
  return db
    .insertInto('user_erasures')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'user_hash']).doUpdateSet({ erased_at: row.erased_at, receipt: row.receipt }))
    .execute();
}

export function findErasure(db: Db, projectId: string, userHash: string) {
  return db.selectFrom('user_erasures').selectAll().where('project_id', '=', projectId).where('user_hash', '=', userHash).executeTakeFirst();
}
