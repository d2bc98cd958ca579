import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/** PostgreSQL: the searchable text of each user, apart from the user row (decision 45). */
export const PG_TEXT_TABLE = 'user_search_text';

/**
 * PostgreSQL only (SQLite's FTS5 table of 0061 already lives apart and changes only with the text).
 * 0061 put `pg_trgm` GIN indexes on `connected_users` itself. Every update of a user row that
 * changes an indexed column (`last_active_at`, which every returning user's activity writes, and
 * every metadata patch) is then not a HOT update and adds entries to every index of the row, the
 * three GIN indexes included: ~0.5 ms of PostgreSQL per row at 200,000 users, against 0.12-0.19 ms
 * without them. Here the name, email and user id move to `user_search_text` (one row per user,
 * deleted with the user), kept in step by triggers in the same transaction only when one of them
 * changes, and the trigram indexes move with them.
 */
export const userSearchTextTable: MigrationFactory = (dialect) => ({
  async up(db: Kysely<any>) {
    if (dialect !== 'postgres') return;
    const t = PG_TEXT_TABLE;
    await sql.raw(`create table ${t} (
      user_id text primary key references connected_users(id) on delete cascade,
      search_name text,
      search_email text,
      external_id text not null
    )`).execute(db);
    await sql.raw(`insert into ${t} (user_id, search_name, search_email, external_id)
      select id, search_name, search_email, external_id from connected_users`).execute(db);
    await sql.raw(`create function portico_user_search_text() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into ${t} (user_id, search_name, search_email, external_id) values (new.id, new.search_name, new.search_email, new.external_id);
        else
          update ${t} set search_name = new.search_name, search_email = new.search_email, external_id = new.external_id where user_id = new.id;
        end if;
        return null;
      end $$`).execute(db);
    await sql.raw(`create trigger connected_users_search_text_insert after insert on connected_users
      for each row execute function portico_user_search_text()`).execute(db);
    await sql.raw(`create trigger connected_users_search_text_update after update of search_name, search_email, external_id on connected_users
      for each row when (old.search_name is distinct from new.search_name or old.search_email is distinct from new.search_email or old.external_id is distinct from new.external_id)
      execute function portico_user_search_text()`).execute(db);
    // 0061's indexes move here; where pg_trgm cannot be had, `q` reads as before.
    if (!(await hasTrigrams(db))) return;
    for (const column of ['search_name', 'search_email', 'external_id']) {
      await sql.raw(`drop index if exists connected_users_${column}_trgm`).execute(db);
      await sql.raw(`create index ${t}_${column}_trgm on ${t} using gin (${column} gin_trgm_ops)`).execute(db);
    }
  },
});

/** Whether `pg_trgm` is installed, installing it when it is available and allowed (as 0061 does). */
async function hasTrigrams(db: Kysely<any>): Promise<boolean> {
  const installed = await sql<{ one: number }>`select 1 as one from pg_extension where extname = 'pg_trgm'`.execute(db);
  if (installed.rows.length > 0) return true;
  const available = await sql<{ one: number }>`select 1 as one from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (available.rows.length === 0) return false;
  await sql`savepoint portico_trgm_table`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint portico_trgm_table`.execute(db);
    return false;
  }
  await sql`release savepoint portico_trgm_table`.execute(db);
  return true;
}
