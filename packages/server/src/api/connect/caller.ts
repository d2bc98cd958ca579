import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { AppContext } from '../../domain/context.ts';
import type { ProjectState } from '../../domain/projects/index.ts';
import { resolveUser, type ConnectedUser } from '../../domain/users/index.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { projectFromPath } from '../project-param.ts';

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
  const largeBodies = new LargeBodyGate(ctx.config.userLargeBodiesInFlight);
  return {
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const state = await projectFromPath(ctx, request);
      const verified = await ctx.tokens.verify(state, bearerToken(request.headers.authorization));
      request.connectCaller = { state, sub: verified.sub, user: undefined };
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

/**
 * Bounds how many large JSON bodies one Connected User has in progress. Parsing and checking a body
 * near its route's limit costs 1–3 ms of the event loop; 32 of them back to back from one user
 * queue every other request behind them. Refused before the body is read (the error handler drains
 * it), so a refusal costs next to nothing.
 */
class LargeBodyGate {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  admit(key: string, request: FastifyRequest, reply: FastifyReply): void {
    if (!isLargeJsonBody(request)) return;
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.limit) {
      void reply.header('retry-after', '1');
      throw AppError.from('TOO_MANY_LARGE_REQUESTS', `This user already has ${count} requests with a JSON body over ${LARGE_BODY_BYTES} bytes in progress; retry after one has finished.`, {
        limit: this.limit,
        largeBodyBytes: LARGE_BODY_BYTES,
      });
    }
    this.inFlight.set(key, count + 1);
    reply.raw.once('close', () => {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    });
  }
}

function isLargeJsonBody(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  if (type === undefined || !/json/i.test(type)) return false;
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return Number(request.headers['content-length'] ?? 0) > LARGE_BODY_BYTES;
}
