import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { AppError } from '../../errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { hashApiKey } from '../../lib/signing-keys.ts';
import { findActiveApiKeyByHash } from '../projects/projects.repository.ts';
import type { ProjectState } from '../projects/project-cache.ts';
import { bearerToken } from './bearer.ts';

export interface ConnectAuth {
  state: ProjectState;
  /** `sub` of the verified User Token. */
  sub: string;
}

export interface AdminAuth {
  state: ProjectState;
  apiKeyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    connectAuth: ConnectAuth | null;
    adminAuth: AdminAuth | null;
  }
}

async function projectFromPath(ctx: AppContext, request: FastifyRequest): Promise<ProjectState> {
  const { projectId } = request.params as { projectId?: string };
  if (projectId === undefined || !isUuid(projectId)) {
    throw AppError.from('PROJECT_NOT_FOUND', `"${String(projectId).slice(0, 64)}" is not a project id (a UUID).`);
  }
  const state = await ctx.projects.get(projectId.toLowerCase());
  if (!state) throw AppError.from('PROJECT_NOT_FOUND');
  return state;
}

/** onRequest hook of the Connect API: a User Token signed for the project in the path. */
export function authenticateUserToken(ctx: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const state = await projectFromPath(ctx, request);
    const token = bearerToken(request.headers.authorization);
    const verified = await ctx.tokens.verify(state, token);
    request.connectAuth = { state, sub: verified.sub };
  };
}

interface CachedKey {
  projectId: string;
  apiKeyId: string;
  at: number;
}

/** onRequest hook of the Admin API: an API key of the project in the path. */
export function authenticateApiKey(ctx: AppContext) {
  const cache = new Map<string, CachedKey>();
  return async (request: FastifyRequest): Promise<void> => {
    const state = await projectFromPath(ctx, request);
    const key = bearerToken(request.headers.authorization);
    if (!key.startsWith('prt_')) {
      throw /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(key)
        ? AppError.from('API_KEY_INVALID', 'This is a User Token (a JWT). The Admin API expects a project API key (prt_…, from `portico project create`); User Tokens belong to the Connect API (/projects/{projectId}/sdk/…).')
        : AppError.from('API_KEY_INVALID', 'Project API keys start with "prt_"; this credential is not one.');
    }
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
    request.adminAuth = { state, apiKeyId: found.apiKeyId };
  };
}

export function connectAuthOf(request: FastifyRequest): ConnectAuth {
  if (!request.connectAuth) throw new Error('Connect route registered without authenticateUserToken');
  return request.connectAuth;
}

export function adminAuthOf(request: FastifyRequest): AdminAuth {
  if (!request.adminAuth) throw new Error('Admin route registered without authenticateApiKey');
  return request.adminAuth;
}
