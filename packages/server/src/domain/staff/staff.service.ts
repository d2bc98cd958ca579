import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../platform/crypto/password-hash.ts';
import type { Database } from '../database.ts';
import * as repo from './staff.repository.ts';

export const STAFF_ROLES = ['admin', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const isStaffRole = (value: unknown): value is StaffRole => STAFF_ROLES.includes(value as StaffRole);

/** Five failed sign-ins within this window lock the account for as long again. */
export const SIGNIN_FAILURE_WINDOW_MS = 15 * 60_000;
export const SIGNIN_FAILURES_BEFORE_LOCK = 5;
/** A session lasts this long from sign-in. */
export const STAFF_SESSION_TTL_MS = 12 * 60 * 60_000;
export const MIN_PASSWORD_LENGTH = 12;
/** The dashboard's session cookie (HttpOnly; the dashboard's pages call the Admin API with it). */
export const STAFF_SESSION_COOKIE = 'portico_staff';

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
  createdAt: string;
  lockedUntil: string | null;
}

/** A signed-in staff member, as the request hooks see them. */
export interface StaffSession {
  staffId: string;
  email: string;
  role: StaffRole;
  csrfToken: string;
  expiresAt: string;
}

export type SignInResult =
  | { ok: true; token: string; session: StaffSession }
  | { ok: false; reason: 'wrong-credentials' }
  | { ok: false; reason: 'locked'; lockedUntil: string };

/** Why adding a staff member was refused, in words for the operator. */
export class StaffInputError extends Error {}

const normalizeEmail = (email: string) => email.trim().toLowerCase();
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

function toMember(row: repo.StaffAccountRow): StaffMember {
  return { id: row.id, email: row.email, role: row.role as StaffRole, createdAt: row.created_at, lockedUntil: row.locked_until };
}

export async function addStaff(db: Kysely<Database>, input: { email: string; role: string; password: string }, now = new Date()): Promise<StaffMember> {
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) throw new StaffInputError(`"${input.email}" is not an email address.`);
  if (!isStaffRole(input.role)) throw new StaffInputError(`--role must be one of ${STAFF_ROLES.join(', ')}; got "${input.role}".`);
  if ([...input.password].length < MIN_PASSWORD_LENGTH) throw new StaffInputError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  if (await repo.findStaffByEmail(db, email)) throw new StaffInputError(`${email} is already a staff member; remove it first (portico staff remove ${email}) to change its role or password.`);
  const at = now.toISOString();
  const row = { id: randomUUID(), email, role: input.role, password_hash: await hashPassword(input.password), failed_signins: 0, failure_window_started_at: null, locked_until: null, created_at: at, updated_at: at };
  await repo.insertStaff(db, row);
  return toMember(row);
}

export async function listStaff(db: Kysely<Database>): Promise<StaffMember[]> {
  return (await repo.listStaffRows(db)).map(toMember);
}

/** Removes the account and ends its sessions; false when there was none. */
export function removeStaff(db: Kysely<Database>, email: string): Promise<boolean> {
  return repo.deleteStaffByEmail(db, normalizeEmail(email));
}

/**
 * Checks a sign-in. A locked account is refused without checking the password; an unknown email
 * costs one password check too, so timing does not tell which emails are staff.
 */
export async function signIn(db: Kysely<Database>, email: string, password: string, now = new Date()): Promise<SignInResult> {
  const row = await repo.findStaffByEmail(db, normalizeEmail(email));
  if (!row) {
    await verifyPassword(password, DECOY_PASSWORD_HASH);
    return { ok: false, reason: 'wrong-credentials' };
  }
  const at = now.toISOString();
  if (row.locked_until && new Date(row.locked_until).getTime() > now.getTime()) return { ok: false, reason: 'locked', lockedUntil: new Date(row.locked_until).toISOString() };
  if (!(await verifyPassword(password, row.password_hash))) {
    const windowStart = row.failure_window_started_at ? new Date(row.failure_window_started_at).getTime() : 0;
    const inWindow = now.getTime() - windowStart < SIGNIN_FAILURE_WINDOW_MS;
    const failures = inWindow ? row.failed_signins + 1 : 1;
    const started = inWindow ? new Date(windowStart).toISOString() : at;
    const lockedUntil = failures >= SIGNIN_FAILURES_BEFORE_LOCK ? new Date(now.getTime() + SIGNIN_FAILURE_WINDOW_MS).toISOString() : null;
    await repo.recordSigninFailure(db, row.id, lockedUntil ? 0 : failures, started, lockedUntil, at);
    return lockedUntil ? { ok: false, reason: 'locked', lockedUntil } : { ok: false, reason: 'wrong-credentials' };
  }
  if (row.failed_signins > 0 || row.locked_until) await repo.clearSigninFailures(db, row.id, at);
  await repo.deleteExpiredSessions(db, at);
  const token = randomBytes(32).toString('base64url');
  const session: StaffSession = {
    staffId: row.id,
    email: row.email,
    role: row.role as StaffRole,
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + STAFF_SESSION_TTL_MS).toISOString(),
  };
  await repo.insertSession(db, { token_hash: tokenHash(token), staff_id: row.id, csrf_token: session.csrfToken, created_at: at, expires_at: session.expiresAt });
  return { ok: true, token, session };
}

/** The live session a cookie names, or null. */
export async function staffSessionOf(db: Kysely<Database>, token: string | undefined, now = new Date()): Promise<StaffSession | null> {
  if (!token || token.length > 128) return null;
  const row = await repo.findSession(db, tokenHash(token));
  if (!row || new Date(row.expires_at).getTime() <= now.getTime()) return null;
  return { staffId: row.staff_id, email: row.email, role: row.role as StaffRole, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at).toISOString() };
}

export async function signOut(db: Kysely<Database>, token: string | undefined): Promise<void> {
  if (token && token.length <= 128) await repo.deleteSession(db, tokenHash(token));
}
