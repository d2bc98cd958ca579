import { sql, type Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * `meta.KEY=VALUE` search in creation order without sorting (decision 35): each indexed metadata
 * value carries its user's `created_at` (which never changes), and
 * `(project_id, key, value, created_at, user_id)` lists one value's users newest or oldest first,
 * so a page walks that list and stops after `limit` matches instead of reading every user of the value.
 */
export const userMetaSorted: MigrationFactory = (dialect) => ({
  async up(db: Kysely<any>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('user_meta_values').addColumn('created_at', t.timestamp).execute();
    if (dialect === 'postgres') {
      await sql`update user_meta_values as m set created_at = u.created_at from connected_users as u where u.id = m.user_id`.execute(db);
    } else {
      await sql`update user_meta_values set created_at = (select u.created_at from connected_users as u where u.id = user_meta_values.user_id)`.execute(db);
    }
    await db.schema.createIndex('user_meta_values_sorted').on('user_meta_values').columns(['project_id', 'key', 'value', 'created_at', 'user_id']).execute();
  },
});
