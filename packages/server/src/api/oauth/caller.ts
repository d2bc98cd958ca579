import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import type { ProjectState } from '../../domain/projects/index.ts';
import { AppError } from '../../platform/errors.ts';
import { projectFromPath } from '../project-param.ts';

/** Who opened the oauth-nonce popup: the User Token in its query (a popup cannot send headers). */
export interface OAuthCaller {
  state: ProjectState;
  sub: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    oauthCaller: OAuthCaller | null;
  }
  interface FastifyContextConfig {
    /**
     * How an OAuth page authenticates: `query-token` verifies `?userToken=` for the project in the
     * path; `flow-state` is the provider's redirect, checked by the flow's state and CSRF cookie.
     */
    oauthAuth?: 'query-token' | 'flow-state';
  }
}

/** The OAuth pages' one authentication hook. */
export function oauthAuthHook(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const mode = request.routeOptions.config.oauthAuth;
    if (mode === 'flow-state') return;
    if (mode !== 'query-token') throw new Error(`OAuth route ${request.routeOptions.url ?? ''} declares no oauthAuth`);
    const state = await projectFromPath(ctx, request);
    const token = (request.query as Record<string, unknown> | undefined)?.userToken;
    if (typeof token !== 'string' || token === '') {
      throw AppError.from('AUTHORIZATION_MISSING', 'This page needs the User Token in ?userToken= (the SDK adds it when it opens the popup).');
    }
    const verified = await ctx.tokens.verify(state, token);
    request.oauthCaller = { state, sub: verified.sub };
  };
}

export function oauthCallerOf(request: FastifyRequest): OAuthCaller {
  if (!request.oauthCaller) throw new Error('OAuth page registered without query-token authentication');
  return request.oauthCaller;
}
