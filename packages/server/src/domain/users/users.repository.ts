import { sql } from 'kysely';
import type { Db, DialectName } from '../database.ts';
import { lockForUpdate } from '../../platform/db/store.ts';
import type { ConnectedUserTable } from './users.table.ts';

export function findUser(db: Db, projectId: string, externalId: string) {
  return db
    .selectFrom('connected_users')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/**
 * PostgreSQL only: the user row and a fingerprint of every row `GET /sdk/me` reads for the user (the
 * user row, their credentials, configurations and workflow states), each as its key and `xmin`, the
 * transaction that wrote that version of the row. Any insert, update or delete, by any node, gives
 * a different fingerprint; the same fingerprint means the same rows.
 */
export function findUserWithFingerprint(db: Db, projectId: string, externalId: string) {
  const fingerprint = sql<string>`u.xmin::text
    || '|' || coalesce((select string_agg(c.id || ':' || c.xmin::text, ',' order by c.id) from credentials c where c.user_id = u.id), '')
    || '|' || coalesce((select string_agg(k.id || ':' || k.xmin::text, ',' order by k.id) from credential_configs k where k.user_id = u.id), '')
    || '|' || coalesce((select string_agg(s.config_id || '/' || s.workflow_id || ':' || s.xmin::text, ',' order by s.config_id, s.workflow_id)
      from workflow_states s where s.user_id = u.id), '')`;
  return db
    .selectFrom('connected_users as u')
    .selectAll('u')
    .select(fingerprint.as('fingerprint'))
    .where('u.project_id', '=', projectId)
    .where('u.external_id', '=', externalId)
    .executeTakeFirst();
}

export function findUserForUpdate(db: Db, dialect: DialectName, projectId: string, externalId: string) {
  const query = db.selectFrom('connected_users').selectAll().where('project_id', '=', projectId).where('external_id', '=', externalId);
  return lockForUpdate(dialect, query).executeTakeFirst();
}

/** Inserts the user unless another request just did; the caller reads the row back. */
export function insertUserIfMissing(db: Db, row: ConnectedUserTable) {
  return db
    .insertInto('connected_users')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'external_id']).doNothing())
    .execute();
}

export function updateUserMeta(db: Db, id: string, meta: string, at: string) {
  return db.updateTable('connected_users').set({ meta, updated_at: at, last_active_at: at }).where('id', '=', id).execute();
}

export function touchUser(db: Db, id: string, at: string) {
  return db.updateTable('connected_users').set({ last_active_at: at }).where('id', '=', id).execute();
}
