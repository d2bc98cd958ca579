import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import type { Actor } from '../../domain/events.ts';
import { ADMIN_SCOPE, grants, recordApiKeyUse, type ApiKeyScope, type ProjectState } from '../../domain/projects/index.ts';
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
  interface FastifyContextConfig {
    /** The API key scope an Admin route needs (a key with `admin` has them all). @default "admin" */
    scope?: ApiKeyScope;
  }
}

/** `last_used_at` is written at most this often per key and node. */
const USE_RESOLUTION_MS = 60_000;

/** The scope a route needs: its `config.scope`, else `admin`. */
export function requiredScope(config: { scope?: ApiKeyScope | undefined } | undefined): ApiKeyScope {
  return config?.scope ?? ADMIN_SCOPE;
}

/** The Admin API's one authentication hook: an API key of the project in the path, with the scope the route needs. */
export function adminAuthHook(ctx: AppContext) {
  const lastRecorded = new Map<string, number>();
  const recordUse = (apiKeyId: string) => {
    const now = Date.now();
    if (now - (lastRecorded.get(apiKeyId) ?? 0) < USE_RESOLUTION_MS) return;
    if (lastRecorded.size >= 10_000) lastRecorded.clear();
    lastRecorded.set(apiKeyId, now);
    recordApiKeyUse(ctx.store, apiKeyId, new Date(now).toISOString()).catch(() => lastRecorded.delete(apiKeyId));
  };
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
    const required = requiredScope(request.routeOptions.config);
    if (!grants(grant.scopes, required)) {
      throw AppError.from('API_KEY_SCOPE_MISSING', `This route needs an API key with the "${required}" scope (or "${ADMIN_SCOPE}"); this one has ${grant.scopes.join(', ') || 'none'}.`, {
        required,
      });
    }
    recordUse(grant.apiKeyId);
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
