import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';
import { parseJsonObject } from '../../../platform/json/json.ts';
import { indexedMetaValues, searchColumns } from '../search-keys.ts';

const BATCH = 2000;

/**
 * User search (Admin API `GET /users`): normalized name and email columns, indexes for the sort
 * orders, and `user_meta_values`, one row per indexable top-level metadata value, so `meta.KEY=VALUE`
 * is an index lookup on both stores. Existing users are filled in, a batch at a time.
 */
export const userSearch: MigrationFactory = (dialect) => ({
  async up(db: Kysely<any>) {
    // PostgreSQL compares prefixes byte-wise only under the C collation; SQLite's default (BINARY) already does.
    const collate = dialect === 'postgres' ? ' collate "C"' : '';
    await db.schema.alterTable('connected_users').addColumn('search_name', sql.raw(`text${collate}`)).execute();
    await db.schema.alterTable('connected_users').addColumn('search_email', sql.raw(`text${collate}`)).execute();
    await db.schema
      .createTable('user_meta_values')
      .addColumn('user_id', 'text', (c) => c.notNull().references('connected_users.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_meta_values_pk', ['user_id', 'key'])
      .execute();

    let after = '';
    for (;;) {
      const rows = await db.selectFrom('connected_users').select(['id', 'project_id', 'meta']).where('id', '>', after).orderBy('id').limit(BATCH).execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const meta = parseJsonObject(typeof row.meta === 'string' ? row.meta : JSON.stringify(row.meta));
        await db.updateTable('connected_users').set(searchColumns(meta)).where('id', '=', row.id).execute();
        const values = [...indexedMetaValues(meta)].map(([key, value]) => ({ user_id: row.id, project_id: row.project_id, key, value }));
        if (values.length > 0) await db.insertInto('user_meta_values').values(values).execute();
      }
      after = rows.at(-1)!.id;
    }

    await db.schema.createIndex('user_meta_values_lookup').on('user_meta_values').columns(['project_id', 'key', 'value', 'user_id']).execute();
    await db.schema.createIndex('connected_users_search_email').on('connected_users').columns(['project_id', 'search_email']).execute();
    await db.schema.createIndex('connected_users_search_name').on('connected_users').columns(['project_id', 'search_name', 'id']).execute();
    await db.schema.createIndex('connected_users_created').on('connected_users').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('connected_users_active').on('connected_users').columns(['project_id', 'last_active_at', 'id']).execute();
    await db.schema.createIndex('credentials_project_status').on('credentials').columns(['project_id', 'status', 'user_id']).execute();
  },
});
