/** Fixed-window rate limits: in memory for one process, reserved from a shared table across PostgreSQL nodes. */
export { MemoryRateLimiter, RATE_LIMIT_PRUNE_JOB, SharedRateLimiter, createRateLimiter, pruneRateLimitWindows } from './rate-limiter.ts';
export type { RateLimitVerdict, RateLimiter } from './rate-limiter.ts';
export { rateLimitMigration } from './rate-limit.migration.ts';
