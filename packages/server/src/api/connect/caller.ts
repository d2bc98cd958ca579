import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { AppContext } from '../../domain/context.ts';
import type { ProjectState } from '../../domain/projects/index.ts';
import { resolveUser, type ConnectedUser } from '../../domain/users/index.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { projectFromPath } from '../project-param.ts';
import { enforceRateLimit } from '../rate-limit.ts';

/** Who calls the Connect API: a verified User Token of the project in the path. */
export interface ConnectCaller {
  state: ProjectState;
  /** `sub` of the verified User Token. */
  sub: string;
  /** The Connected User, loaded before the handler unless the route loads it itself. */
  user: ConnectedUser | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    connectCaller: ConnectCaller | null;
  }
  interface FastifyContextConfig {
    /**
     * `self`: the handler resolves the user itself (GET /sdk/me reads through its cache, the legacy
     * bootstrap merges header metadata). @default "load"
     */
    connectUser?: 'load' | 'self';
  }
}

/**
 * The Connect API's one authentication hook pair: the token is verified on request (before the
 * body is read), the user is loaded (created on first sight, refused when disabled) once the
 * request is valid.
 */
export function connectAuthHooks(ctx: AppContext) {
  const largeBodies = new LargeBodyGate(ctx.config.userLargeBodiesInFlight, ctx.config.userLargeBodiesPerSecond);
  return {
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const state = await projectFromPath(ctx, request);
      const verified = await ctx.tokens.verify(state, bearerToken(request.headers.authorization));
      request.connectCaller = { state, sub: verified.sub, user: undefined };
      await enforceRateLimit(ctx, reply, { kind: 'user', projectId: state.project.id, sub: verified.sub });
      largeBodies.admit(`${state.project.id}\u0000${verified.sub}`, request, reply);
    },
    async preHandler(request: FastifyRequest): Promise<void> {
      const caller = request.connectCaller;
      if (!caller || request.routeOptions.config.connectUser === 'self') return;
      caller.user = await resolveUser(ctx, caller.state, caller.sub);
    },
  };
}

/** The authenticated caller of a Connect route. */
export function callerOf(request: FastifyRequest): ConnectCaller & { user: ConnectedUser } {
  const caller = request.connectCaller;
  if (!caller) throw new Error('Connect route registered outside the Connect API scope');
  if (!caller.user) throw new Error('Connect route with connectUser "self" asked for the loaded user');
  return caller as ConnectCaller & { user: ConnectedUser };
}

/** The caller of a route that resolves the user itself (`config: { connectUser: 'self' }`). */
export function tokenCallerOf(request: FastifyRequest): ConnectCaller {
  if (!request.connectCaller) throw new Error('Connect route registered outside the Connect API scope');
  return request.connectCaller;
}

/** JSON bodies above this size count against a user's share of large requests. */
const LARGE_BODY_BYTES = 16 * 1024;
/** Users whose rate is tracked at once; the least recently seen are forgotten beyond it. */
const MAX_TRACKED_USERS = 100_000;

/**
 * Bounds the large JSON bodies of one Connected User: how many are in progress at once, and how
 * many start per second (a token bucket holding one second's worth). Parsing and checking a body
 * near its route's limit costs 1–3 ms of the event loop; 32 of them back to back from one user
 * queue every other request behind them. Refused before the body is read (the error handler drains
 * it), so a refusal costs next to nothing.
 */
class LargeBodyGate {
  private readonly inFlight = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: number,
    private readonly perSecond: number,
  ) {}

  admit(key: string, request: FastifyRequest, reply: FastifyReply): void {
    if (!isLargeJsonBody(request)) return;
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.limit) {
      throw this.refusal(reply, 1, `This user already has ${count} requests with a JSON body over ${LARGE_BODY_BYTES} bytes in progress; retry after one has finished.`);
    }
    this.takeToken(key, reply);
    this.inFlight.set(key, count + 1);
    reply.raw.once('close', () => {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
      // A body refused for its size was never parsed: it costs the user nothing of their rate.
      if (reply.raw.statusCode === 413) this.refundToken(key);
    });
  }

  private takeToken(key: string, reply: FastifyReply): void {
    const now = Date.now();
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond) : this.perSecond;
    if (tokens < 1) {
      const wait = Math.ceil((1 - tokens) / this.perSecond);
      throw this.refusal(reply, wait, `This user sent more than ${this.perSecond} requests with a JSON body over ${LARGE_BODY_BYTES} bytes in a second; retry in ${wait} s.`);
    }
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_TRACKED_USERS) this.buckets.delete(this.buckets.keys().next().value!);
  }

  private refundToken(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.perSecond, bucket.tokens + 1);
  }

  private refusal(reply: FastifyReply, retryAfterSeconds: number, message: string): AppError {
    void reply.header('retry-after', String(retryAfterSeconds));
    return AppError.from('TOO_MANY_LARGE_REQUESTS', message, {
      limit: this.limit,
      perSecond: this.perSecond,
      largeBodyBytes: LARGE_BODY_BYTES,
    });
  }
}

function isLargeJsonBody(request: FastifyRequest): boolean {
  // The proxy forwards bodies unparsed, within its own limits (PORTICO_PROXY_MAX_REQUEST_BYTES).
  if (request.url.includes('/sdk/proxy/')) return false;
  const type = request.headers['content-type'];
  if (type === undefined || !/json/i.test(type)) return false;
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  // Over the route's limit it is refused unread (413), which costs nothing to count.
  return length > LARGE_BODY_BYTES && length <= request.routeOptions.bodyLimit;
}
