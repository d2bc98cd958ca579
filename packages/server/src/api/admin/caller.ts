import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import type { Actor } from '../../domain/events.ts';
import { ADMIN_SCOPE, grants, recordApiKeyUse, type ApiKeyScope, type ProjectState } from '../../domain/projects/index.ts';
import { STAFF_SESSION_COOKIE, staffSessionOf, type StaffSession } from '../../domain/staff/index.ts';
import { AppError } from '../../platform/errors.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { readCookie } from '../../platform/http/cookies.ts';
import { projectFromPath } from '../project-param.ts';
import { enforceRateLimit } from '../rate-limit.ts';

/** Who calls the Admin API: an API key of the project in the path, or a dashboard staff session. */
export interface AdminCaller {
  state: ProjectState;
  /** The API key's id; null for a staff session. */
  apiKeyId: string | null;
  /** The signed-in staff member when the dashboard calls; null for an API key. */
  staff: StaffSession | null;
  /** Whether the caller may do what `scope` allows (an API key's scopes, a staff member's role). */
  may(scope: ApiKeyScope): boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a staff role may do: admins everything, viewers every `*:read` scope. */
function staffGrants(session: StaffSession, required: ApiKeyScope): boolean {
  return session.role === 'admin' || required.endsWith(':read');
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
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const state = await projectFromPath(ctx, request);
    if (request.headers.authorization === undefined && readCookie(request.headers.cookie, STAFF_SESSION_COOKIE) !== undefined) {
      const staff = await staffCaller(request);
      request.adminCaller = { state, apiKeyId: null, staff, may: (scope) => staffGrants(staff, scope) };
      return;
    }
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
    await enforceRateLimit(ctx, reply, { kind: 'api_key', apiKeyId: grant.apiKeyId });
    recordUse(grant.apiKeyId);
    request.adminCaller = { state, apiKeyId: grant.apiKeyId, staff: null, may: (scope) => grants(grant.scopes, scope) };
  };

  /** A dashboard session: live, allowed by its role, and carrying its CSRF token on a change. */
  async function staffCaller(request: FastifyRequest): Promise<StaffSession> {
    const session = await staffSessionOf(ctx.store.db, readCookie(request.headers.cookie, STAFF_SESSION_COOKIE));
    if (!session) throw AppError.from('STAFF_SESSION_MISSING');
    if (!staffGrants(session, requiredScope(request.routeOptions.config))) throw AppError.from('STAFF_READ_ONLY', undefined, { role: session.role });
    if (!SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== session.csrfToken) throw AppError.from('CSRF_TOKEN_INVALID');
    return session;
  }
}

/** Who made a change through the Admin API, for the events it records. */
export function adminActor(request: FastifyRequest): Actor {
  const caller = adminCallerOf(request);
  return caller.staff ? { kind: 'staff', name: caller.staff.email } : { kind: 'api_key', name: caller.apiKeyId ?? 'unknown' };
}

/** The authenticated caller of an Admin route. */
export function adminCallerOf(request: FastifyRequest): AdminCaller {
  if (!request.adminCaller) throw new Error('Admin route registered outside the Admin API scope');
  return request.adminCaller;
}

/** Refuses a caller without `scope`, as the hook refuses a route's own scope. */
export function requireScope(request: FastifyRequest, scope: ApiKeyScope, what: string): void {
  const caller = adminCallerOf(request);
  if (caller.may(scope)) return;
  if (caller.staff) throw AppError.from('STAFF_READ_ONLY', `${what} needs an admin staff member.`, { role: caller.staff.role });
  throw AppError.from('API_KEY_SCOPE_MISSING', `${what} needs an API key with the "${scope}" scope.`, { required: scope });
}
