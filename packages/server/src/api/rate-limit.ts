import type { FastifyReply } from 'fastify';
import type { AppContext } from '../domain/context.ts';
import { Counter } from 'prom-client';
import { AppError } from '../platform/errors.ts';
import { registerOnce } from '../platform/metrics/registry.ts';

/** Whose requests a limit counts. */
export type RateLimitSubject = { kind: 'api_key'; apiKeyId: string } | { kind: 'user'; projectId: string; sub: string };

/**
 * Counts the request against its subject's limit (`PORTICO_RATE_LIMIT_API_KEY`,
 * `PORTICO_RATE_LIMIT_USER` per `PORTICO_RATE_LIMIT_WINDOW_SECONDS`); over it, 429 RATE_LIMITED
 * with Retry-After, before any work is done for the request.
 */
export async function enforceRateLimit(ctx: AppContext, reply: FastifyReply, subject: RateLimitSubject): Promise<void> {
  const limit = subject.kind === 'api_key' ? ctx.config.rateLimitApiKey : ctx.config.rateLimitUser;
  if (limit === 0) return;
  const bucket = subject.kind === 'api_key' ? `key:${subject.apiKeyId}` : `user:${subject.projectId}:${subject.sub}`;
  const verdict = await ctx.rateLimiter.take(bucket, limit);
  if (verdict.allowed) return;
  refusals(ctx).inc({ subject: subject.kind });
  void reply.header('retry-after', String(verdict.retryAfterSeconds));
  const who = subject.kind === 'api_key' ? 'this API key' : 'this Connected User';
  throw AppError.from('RATE_LIMITED', `${who} made more than ${limit} requests in ${ctx.config.rateLimitWindowSeconds} s; retry in ${verdict.retryAfterSeconds} s.`, {
    limit,
    windowSeconds: ctx.config.rateLimitWindowSeconds,
    subject: subject.kind,
    retryAfterSeconds: verdict.retryAfterSeconds,
  });
}

function refusals(ctx: AppContext): Counter<'subject'> {
  return registerOnce(ctx.metrics, 'portico_rate_limited_total', () => new Counter({
    name: 'portico_rate_limited_total',
    help: 'Requests refused with 429 RATE_LIMITED, by whose limit they passed (api_key or user).',
    labelNames: ['subject'],
    registers: [],
  }));
}
