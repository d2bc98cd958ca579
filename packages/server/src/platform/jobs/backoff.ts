export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. @default 1000 */
  baseMs: number;
  /** Longest delay between attempts. @default 3600000 (1 hour) */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 3_600_000 };

/**
 * Delay after failed attempt `attempt` (1-based): base·2^(attempt-1), capped, then "equal jitter"
 * (half fixed, half random) so jobs that failed together do not all come back together.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
