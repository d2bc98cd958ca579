/** The staff room's facade: dashboard accounts, sign-in with lockout, sessions. */
export {
  MIN_PASSWORD_LENGTH, STAFF_SESSION_COOKIE, SIGNIN_FAILURES_BEFORE_LOCK, SIGNIN_FAILURE_WINDOW_MS, STAFF_ROLES, STAFF_SESSION_TTL_MS, StaffInputError,
  addStaff, isStaffRole, listStaff, removeStaff, signIn, signOut, staffSessionOf,
} from './staff.service.ts';
export type { SignInResult, StaffMember, StaffRole, StaffSession } from './staff.service.ts';
export type { StaffAccountTable, StaffSessionTable } from './staff.table.ts';
