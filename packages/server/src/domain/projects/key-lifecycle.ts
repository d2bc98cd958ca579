/**
 * Where a signing key or an API key stands: `active` (no end), `grace` (rotated out, still accepted
 * until `expiresAt`), `revoked` (past `expiresAt`). Decided at each use from `expiresAt`, so a key
 * stops working on time without any job.
 */
export type KeyState = 'active' | 'grace' | 'revoked';

export function keyState(expiresAt: string | null, now = Date.now()): KeyState {
  if (expiresAt === null) return 'active';
  return Date.parse(expiresAt) > now ? 'grace' : 'revoked';
}

/** The earlier of a key's current end (null: none) and a new one; ISO timestamps order as text. */
export function earlierEnd(current: string | null, proposed: string): string {
  return current !== null && current < proposed ? current : proposed;
}

/** A previous key as a rotation reports it. */
export interface RetiredKey {
  id: string;
  state: KeyState;
  expiresAt: string;
}
