import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../../src/platform/db/store.ts';
import type { Database } from '../../src/domain/database.ts';
import type { ConnectedUserTable } from '../../src/domain/users/users.table.ts';
import { usersAs } from '../../src/domain/users/users.repository.ts';

/**
 * Inserts user rows as the service stores them, 500 per statement: on PostgreSQL the activity time
 * lives in `user_activity` (migration 0063), whose trigger gives each new user their creation time;
 * a different `last_active_at` is written there after.
 */
export async function insertUserRows(db: Kysely<Database> | Kysely<any>, rows: readonly ConnectedUserTable[]): Promise<void> {
  const postgres = dialectOf(db) === 'postgres';
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await (db as Kysely<Database>).insertInto('connected_users').values(postgres ? chunk.map(({ last_active_at: _, ...row }) => row as ConnectedUserTable) : [...chunk]).execute();
    if (!postgres) continue;
    for (const row of chunk) {
      if (row.last_active_at === row.created_at) continue;
      await sql`update user_activity set last_active_at = ${row.last_active_at} where user_id = ${row.id}`.execute(db);
    }
  }
}

/** The user's `last_active_at` as stored (milliseconds since the epoch). */
export async function storedLastActive(db: Kysely<Database>, projectId: string, externalId: string): Promise<number> {
  const row = await db.selectFrom(usersAs(dialectOf(db))).select('u.last_active_at')
    .where('u.project_id', '=', projectId).where('u.external_id', '=', externalId).executeTakeFirstOrThrow();
  const at: unknown = row.last_active_at;
  return at instanceof Date ? at.getTime() : Date.parse(String(at));
}

/** Sets the user's stored `last_active_at`, as if they were last active at `at`. */
export async function setStoredLastActive(db: Kysely<Database>, projectId: string, externalId: string, at: string): Promise<void> {
  const user = await db.selectFrom('connected_users').select('id').where('project_id', '=', projectId).where('external_id', '=', externalId).executeTakeFirstOrThrow();
  if (dialectOf(db) === 'postgres') await db.updateTable('user_activity').set({ last_active_at: at }).where('user_id', '=', user.id).execute();
  else await db.updateTable('connected_users').set({ last_active_at: at }).where('id', '=', user.id).execute();
}
