import type { AppStore as Store } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { generateApiKey } from '../../platform/crypto/signing-keys.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { earlierEnd, keyState, type RetiredKey } from './key-lifecycle.ts';
import * as repo from './projects.repository.ts';

/** The scope of the whole Admin API, and of every key made so far. */
export const ADMIN_SCOPE = 'admin';

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
