import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/** The SQLite full-text table behind `q` (trigrams of each user's name, email and user id). */
export const SQLITE_TEXT_TABLE = 'connected_users_text';

/**
 * `GET /users?q=` without reading every user (decision 42): a trigram index over the searchable
 * name, email and user id, so a substring of three characters or more is an index lookup.
 *
 * SQLite: an FTS5 table with the `trigram` tokenizer over `connected_users` (external content: it
 * stores only the index, keyed by the user row's rowid) kept in step by triggers in the same
 * transaction as every insert, change and delete of a user, and filled from the existing users.
 * PostgreSQL: `pg_trgm` GIN indexes on the three columns. The extension ships with PostgreSQL
 * (contrib) and is trusted since PostgreSQL 13, so the database owner can create it; where it is
 * missing or not allowed the migration goes on without it and `q` reads the users as before.
 */
export const userSearchText: MigrationFactory = (dialect) => ({
  async up(db: Kysely<any>) {
    if (dialect === 'sqlite') {
      const t = SQLITE_TEXT_TABLE;
      const columns = 'search_name, search_email, external_id';
      const values = (row: 'new' | 'old') => `${row}.search_name, ${row}.search_email, ${row}.external_id`;
      await sql.raw(`create virtual table ${t} using fts5(${columns}, content='connected_users', content_rowid='rowid', tokenize='trigram')`).execute(db);
      await sql.raw(`create trigger ${t}_insert after insert on connected_users begin
        insert into ${t}(rowid, ${columns}) values (new.rowid, ${values('new')});
      end`).execute(db);
      await sql.raw(`create trigger ${t}_delete after delete on connected_users begin
        insert into ${t}(${t}, rowid, ${columns}) values ('delete', old.rowid, ${values('old')});
      end`).execute(db);
      await sql.raw(`create trigger ${t}_update after update of ${columns} on connected_users
        when old.search_name is not new.search_name or old.search_email is not new.search_email or old.external_id is not new.external_id begin
        insert into ${t}(${t}, rowid, ${columns}) values ('delete', old.rowid, ${values('old')});
        insert into ${t}(rowid, ${columns}) values (new.rowid, ${values('new')});
      end`).execute(db);
      // A change or erasure takes the old trigrams out of the index at once, not at a later merge.
      await sql.raw(`insert into ${t}(${t}, rank) values ('secure-delete', 1)`).execute(db);
      await sql.raw(`insert into ${t}(${t}) values ('rebuild')`).execute(db);
      return;
    }
    const available = await sql<{ one: number }>`select 1 as one from pg_available_extensions where name = 'pg_trgm'`.execute(db);
    if (available.rows.length === 0) return;
    await sql`savepoint portico_trgm`.execute(db);
    try {
      await sql`create extension if not exists pg_trgm`.execute(db);
    } catch {
      // Not allowed for this role: `q` works without the indexes, reading the project's users.
      await sql`rollback to savepoint portico_trgm`.execute(db);
      return;
    }
    await sql`release savepoint portico_trgm`.execute(db);
    for (const column of ['search_name', 'search_email', 'external_id']) {
      await sql.raw(`create index connected_users_${column}_trgm on connected_users using gin (${column} gin_trgm_ops)`).execute(db);
    }
  },
});
