import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/** PostgreSQL: when each user was last active, apart from the user row (decision 54). */
export const PG_ACTIVITY_TABLE = 'user_activity';

/**
 * PostgreSQL only. `connected_users.last_active_at` is written once a minute per active user, and
 * it is indexed (`connected_users_active`, for `activeAfter` and `sort=lastActive`), so each of
 * those writes was a non-HOT update: a new copy of the whole row (metadata included) and an entry
 * in each of the row's six indexes, all of it vacuumed again later. The time moves to a narrow
 * table of its own (user id, project id, time) with its two indexes; the user row changes only
 * when the user does. A trigger gives each new user their row (active when created) in the
 * inserting statement; deleting the user deletes it. SQLite keeps the column: a row update there
 * rewrites one page in place, and its full-text table relies on the user row's `rowid`.
 */
export const userActivity: MigrationFactory = (dialect) => ({
  async up(db: Kysely<any>) {
    if (dialect !== 'postgres') return;
    const t = PG_ACTIVITY_TABLE;
    await sql.raw(`create table ${t} (
      user_id text primary key references connected_users(id) on delete cascade,
      project_id text not null,
      last_active_at timestamptz not null
    )`).execute(db);
    await sql.raw(`insert into ${t} (user_id, project_id, last_active_at) select id, project_id, last_active_at from connected_users`).execute(db);
    await sql.raw(`create index ${t}_recent on ${t} (project_id, last_active_at, user_id)`).execute(db);
    await sql.raw(`create function portico_user_activity() returns trigger language plpgsql as $$
      begin
        insert into ${t} (user_id, project_id, last_active_at) values (new.id, new.project_id, new.created_at);
        return null;
      end $$`).execute(db);
    await sql.raw(`create trigger connected_users_activity_insert after insert on connected_users
      for each row execute function portico_user_activity()`).execute(db);
    await sql.raw('drop index if exists connected_users_active').execute(db);
    await sql.raw('alter table connected_users drop column last_active_at').execute(db);
  },
});
