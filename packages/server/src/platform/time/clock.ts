/**
 * Where time comes from for code whose deadlines tests must move without sleeping (OAuth flow
 * expiry, CSRF cookies). Milliseconds since the epoch, like `Date.now()`.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
