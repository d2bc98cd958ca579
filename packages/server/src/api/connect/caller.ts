import type { FastifyRequest } from 'fastify';
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
  return {
    async onRequest(request: FastifyRequest): Promise<void> {
      const state = await projectFromPath(ctx, request);
      const verified = await ctx.tokens.verify(state, bearerToken(request.headers.authorization));
      request.connectCaller = { state, sub: verified.sub, user: undefined };
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
