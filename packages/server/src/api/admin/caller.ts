import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import type { Actor } from '../../domain/events.ts';
import { ADMIN_SCOPE, type ProjectState } from '../../domain/projects/index.ts';
import { AppError } from '../../platform/errors.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { projectFromPath } from '../project-param.ts';

/** Who calls the Admin API: an API key of the project in the path. */
export interface AdminCaller {
  state: ProjectState;
  apiKeyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminCaller: AdminCaller | null;
  }
}

/** The Admin API's one authentication hook: an `admin` API key of the project in the path. */
export function adminAuthHook(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const state = await projectFromPath(ctx, request);
    const key = bearerToken(request.headers.authorization);
    if (!key.startsWith('prt_')) {
      throw /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(key)
        ? AppError.from('API_KEY_INVALID', 'This is a User Token (a JWT). The Admin API expects a project API key (prt_…, from `portico project create`); User Tokens belong to the Connect API (/projects/{projectId}/sdk/…).')
        : AppError.from('API_KEY_INVALID', 'Project API keys start with "prt_"; this credential is not one.');
    }
    if (key.length > 512) throw AppError.from('API_KEY_INVALID');
    const grant = await ctx.apiKeys.find(key);
    if (!grant || grant.projectId !== state.project.id) throw AppError.from('API_KEY_INVALID');
    if (!grant.scopes.includes(ADMIN_SCOPE)) {
      throw AppError.from('API_KEY_SCOPE_MISSING', `The Admin API needs an API key with the "${ADMIN_SCOPE}" scope; this one has ${grant.scopes.join(', ') || 'none'}.`, {
        required: ADMIN_SCOPE,
      });
    }
    request.adminCaller = { state, apiKeyId: grant.apiKeyId };
  };
}

/** Who made a change through the Admin API, for the events it records. */
export function adminActor(request: FastifyRequest): Actor {
  return { kind: 'api_key', name: adminCallerOf(request).apiKeyId };
}

/** The authenticated caller of an Admin route. */
export function adminCallerOf(request: FastifyRequest): AdminCaller {
  if (!request.adminCaller) throw new Error('Admin route registered outside the Admin API scope');
  return request.adminCaller;
}
