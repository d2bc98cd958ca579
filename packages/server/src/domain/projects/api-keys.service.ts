import type { AppStore as Store } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { generateApiKey } from '../../platform/crypto/signing-keys.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { earlierEnd, keyState, type RetiredKey } from './key-lifecycle.ts';
import * as repo from './projects.repository.ts';

/** The scope of the whole Admin API; the key `portico project create` prints has it. */
export const ADMIN_SCOPE = 'admin';

/** What an API key may be allowed to do; each Admin route names the one it needs (`admin` grants all). */
export const API_KEY_SCOPES = [
  'users:read', 'users:write', 'users:erase', 'workflows:read', 'workflows:write', 'integrations:write', 'webhooks:write', 'task-history:read', ADMIN_SCOPE,
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Whether a key with `scopes` may call a route that needs `required`. */
export function grants(scopes: readonly string[], required: string): boolean {
  return scopes.includes(ADMIN_SCOPE) || scopes.includes(required);
}

/**
 * How long a rotated-out API key keeps working unless the rotation revokes it at once: long
 * enough to deploy the new key to every backend that calls the Admin API. @default 3600
 */
export const API_KEY_ROTATION_OVERLAP_SECONDS = 3600;

export function parseScopes(scopes: string): string[] {
  return scopes.split(' ').filter(Boolean);
}

export interface RotatedApiKey {
  id: string;
  /** Shown once; only its SHA-256 is stored. */
  apiKey: string;
  keyPrefix: string;
  scopes: string[];
  dateCreated: string;
  /** The admin keys that worked before, and when each stops. */
  previousKeys: RetiredKey[];
}

/**
 * Issues a new `admin` key. The previous admin keys keep working for
 * `API_KEY_ROTATION_OVERLAP_SECONDS` (or less, if they already end sooner), or stop at once with
 * `revokeOld` (a leaked key). Every node drops its cached keys when it hears the `project.changed` event.
 */
export async function rotateApiKey(deps: ChangeDeps, projectId: string, options: { revokeOld: boolean }, actor: Actor): Promise<RotatedApiKey> {
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const expiresAt = new Date(nowMs + (options.revokeOld ? 0 : API_KEY_ROTATION_OVERLAP_SECONDS * 1000)).toISOString();
  const key = generateApiKey();
  const id = newId();
  const before = await deps.events.transaction(async (trx) => {
    if (!(await repo.findProject(trx, projectId))) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    const admins = (await repo.listValidApiKeys(trx, projectId, now)).filter((row) => parseScopes(row.scopes).includes(ADMIN_SCOPE));
    await repo.retireApiKeys(trx, admins.map((row) => row.id), now, expiresAt);
    await repo.insertApiKey(trx, {
      id, project_id: projectId, name: ADMIN_SCOPE, key_hash: key.hash, key_prefix: key.prefix, scopes: ADMIN_SCOPE,
      created_at: now, revoked_at: null, expires_at: null,
    });
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'api-keys' } });
    return admins;
  });
  const previousKeys = before.map((row) => {
    const end = earlierEnd(row.expires_at, expiresAt);
    return { id: row.id, state: keyState(end, nowMs), expiresAt: end };
  });
  return { id, apiKey: key.key, keyPrefix: key.prefix, scopes: [ADMIN_SCOPE], dateCreated: now, previousKeys };
}

/** A new API key: `key` is shown once; only its SHA-256 is stored. */
export interface CreatedApiKey {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  keyPrefix: string;
  dateCreated: string;
}

export async function createApiKey(deps: ChangeDeps, projectId: string, request: { name: string; scopes: readonly ApiKeyScope[] }, actor: Actor): Promise<CreatedApiKey> {
  const scopes = [...new Set(request.scopes)];
  const key = generateApiKey();
  const id = newId();
  const now = new Date().toISOString();
  await deps.events.transaction(async (trx) => {
    if (!(await repo.findProject(trx, projectId))) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    await repo.insertApiKey(trx, {
      id, project_id: projectId, name: request.name, key_hash: key.hash, key_prefix: key.prefix, scopes: scopes.join(' '),
      created_at: now, revoked_at: null, expires_at: null,
    });
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'api-keys' } });
  });
  return { id, key: key.key, name: request.name, scopes, keyPrefix: key.prefix, dateCreated: now };
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  keyPrefix: string;
  dateCreated: string;
  dateLastUsed: string | null;
  /** Set while a rotated-out key still works (the rotation overlap). */
  dateExpires: string | null;
}

export async function listApiKeys(store: Pick<Store, 'db'>, projectId: string): Promise<ApiKeyView[]> {
  const rows = await repo.listActiveApiKeys(store.db, projectId);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    keyPrefix: row.key_prefix,
    dateCreated: row.created_at,
    dateLastUsed: row.last_used_at ?? null,
    dateExpires: row.expires_at,
  }));
}

/** Revokes a key at once, on every node. The project's last admin key cannot go: nothing could make another. */
export async function deleteApiKey(deps: ChangeDeps, projectId: string, id: string, actor: Actor): Promise<void> {
  const now = new Date().toISOString();
  await deps.events.transaction(async (trx) => {
    const active = await repo.listValidApiKeys(trx, projectId, now);
    const target = active.find((row) => row.id === id && row.revoked_at === null);
    if (!target) throw AppError.from('API_KEY_NOT_FOUND', `No active API key ${id.slice(0, 64)} in this project.`);
    const admins = active.filter((row) => row.revoked_at === null && parseScopes(row.scopes).includes(ADMIN_SCOPE));
    if (parseScopes(target.scopes).includes(ADMIN_SCOPE) && admins.length === 1) {
      throw AppError.from('LAST_ADMIN_API_KEY', 'This is the project\'s only admin key; create another admin key first, or replace it with `portico project rotate-api-key`.');
    }
    await repo.revokeApiKey(trx, projectId, id, now);
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'api-keys' } });
  });
}

/** Records that a key authenticated a request (callers write at most once a minute per key). */
export async function recordApiKeyUse(store: Pick<Store, 'db'>, id: string, at: string): Promise<void> {
  await repo.touchApiKey(store.db, id, at);
}
