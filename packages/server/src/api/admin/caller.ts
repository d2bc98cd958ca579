import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import type { Actor } from '../../domain/events.ts';
import { findActiveApiKeyByHash, type ProjectState } from '../../domain/projects/index.ts';
import { hashApiKey } from '../../platform/crypto/signing-keys.ts';
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

interface CachedKey {
  projectId: string;
  apiKeyId: string;
  at: number;
}

/** The Admin API's one authentication hook: an API key of the project in the path. */
export function adminAuthHook(ctx: AppContext) {
  const cache = new Map<string, CachedKey>();
  return async (request: FastifyRequest): Promise<void> => {
    const state = await projectFromPath(ctx, request);
    const key = bearerToken(request.headers.authorization);
    if (key.length > 512) throw AppError.from('API_KEY_INVALID');
    const hash = hashApiKey(key);
    let found = cache.get(hash);
    if (!found || Date.now() - found.at > ctx.config.projectCacheTtlMs) {
      const row = await findActiveApiKeyByHash(ctx.store.db, hash);
      cache.delete(hash);
      if (!row) throw AppError.from('API_KEY_INVALID');
      if (cache.size > 1000) cache.clear();
      found = { projectId: row.project_id, apiKeyId: row.id, at: Date.now() };
      cache.set(hash, found);
    }
    if (found.projectId !== state.project.id) throw AppError.from('API_KEY_INVALID');
    request.adminCaller = { state, apiKeyId: found.apiKeyId };
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
