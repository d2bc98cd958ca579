/** Most time before expiry a token is renewed: long-lived tokens are renewed 10 minutes early. */
export const RENEWAL_LEAD_CAP_MS = 10 * 60_000;

/**
 * When a token issued at `issuedAt` and expiring at `expiresAt` (ms) is renewed: once less than
 * min(L/4, 10 minutes) of its lifetime L remains. A 20-second token is renewed 15 s after issue,
 * a 1-hour token 10 minutes before it expires.
 */
export function renewalTime(issuedAt: number, expiresAt: number): number {
  const lifetime = Number.isFinite(issuedAt) ? Math.max(0, expiresAt - issuedAt) : Number.POSITIVE_INFINITY;
  return expiresAt - Math.min(lifetime / 4, RENEWAL_LEAD_CAP_MS);
}
