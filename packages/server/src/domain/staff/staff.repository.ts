import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../database.ts';
import type { StaffAccountTable } from './staff.table.ts';

export type StaffAccountRow = Selectable<StaffAccountTable>;

export function findStaffByEmail(db: Kysely<Database>, email: string): Promise<StaffAccountRow | undefined> {
  return db.selectFrom('staff_accounts').selectAll().where('email', '=', email).executeTakeFirst();
}

export function listStaffRows(db: Kysely<Database>): Promise<StaffAccountRow[]> {
  return db.selectFrom('staff_accounts').selectAll().orderBy('email').execute();
}

export async function insertStaff(db: Kysely<Database>, row: StaffAccountTable): Promise<void> {
  await db.insertInto('staff_accounts').values(row).execute();
}

export async function deleteStaffByEmail(db: Kysely<Database>, email: string): Promise<boolean> {
  const found = await db.selectFrom('staff_accounts').select('id').where('email', '=', email).executeTakeFirst();
  if (!found) return false;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('staff_sessions').where('staff_id', '=', found.id).execute();
    await trx.deleteFrom('staff_accounts').where('id', '=', found.id).execute();
  });
  return true;
}

export async function recordSigninFailure(db: Kysely<Database>, id: string, failures: number, windowStartedAt: string, lockedUntil: string | null, now: string): Promise<void> {
  await db
    .updateTable('staff_accounts')
    .set({ failed_signins: failures, failure_window_started_at: windowStartedAt, locked_until: lockedUntil, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function clearSigninFailures(db: Kysely<Database>, id: string, now: string): Promise<void> {
  await db.updateTable('staff_accounts').set({ failed_signins: 0, failure_window_started_at: null, locked_until: null, updated_at: now }).where('id', '=', id).execute();
}

export async function insertSession(db: Kysely<Database>, row: { token_hash: string; staff_id: string; csrf_token: string; created_at: string; expires_at: string }): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export function findSession(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('staff_sessions as s')
    .innerJoin('staff_accounts as a', 'a.id', 's.staff_id')
    .select(['s.token_hash', 's.csrf_token', 's.expires_at', 'a.id as staff_id', 'a.email', 'a.role'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Kysely<Database>, now: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('expires_at', '<', now).execute();
}
