import type { Db } from '../database.ts';
import type { ApiKeyTable, ProjectTable, SigningKeyTable } from './projects.table.ts';

export function insertProject(db: Db, row: ProjectTable) {
  return db.insertInto('projects').values(row).execute();
}

export function findProject(db: Db, id: string) {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listProjects(db: Db) {
  return db.selectFrom('projects').selectAll().orderBy('created_at').execute();
}

export function updateProjectPlan(db: Db, id: string, plan: string, at: string) {
  return db.updateTable('projects').set({ plan, updated_at: at }).where('id', '=', id).executeTakeFirst();
}

export function insertSigningKey(db: Db, row: SigningKeyTable) {
  return db.insertInto('signing_keys').values(row).execute();
}

/** Keys that verify tokens at `now`: the current one and those still in their grace period. */
export function listValidSigningKeys(db: Db, projectId: string, now: string) {
  return db
    .selectFrom('signing_keys')
    .select(['id', 'public_key_pem', 'expires_at'])
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/**
 * Rotates out every key of the project valid at `at`: the current ones are marked revoked, and
 * each stops verifying at `expiresAt` unless its grace period already ends sooner.
 */
export async function retireSigningKeys(db: Db, projectId: string, at: string, expiresAt: string) {
  await db
    .updateTable('signing_keys')
    .set({ revoked_at: at, expires_at: expiresAt })
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .execute();
  await db
    .updateTable('signing_keys')
    .set({ expires_at: expiresAt })
    .where('project_id', '=', projectId)
    .where('expires_at', '>', expiresAt)
    .execute();
}

/** Projects verifying tokens with this public key (SPKI PEM, as stored). */
/** Projects for which this public key verifies tokens now: the current key, or one still in its grace period. */
export function findProjectsWithActiveSigningKey(db: Db, publicKeyPem: string, now: string) {
  return db
    .selectFrom('signing_keys')
    .select('project_id')
    .where('public_key_pem', '=', publicKeyPem)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
}

export function listSigningKeys(db: Db, projectId: string) {
  return db
    .selectFrom('signing_keys')
    .select(['id', 'created_at', 'revoked_at', 'expires_at', 'created_by_api_key_id'])
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export function insertApiKey(db: Db, row: ApiKeyTable) {
  return db.insertInto('api_keys').values(row).execute();
}

/** The key with this hash if it authenticates at `now`. */
export function findValidApiKeyByHash(db: Db, keyHash: string, now: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'project_id', 'scopes', 'expires_at'])
    .where('key_hash', '=', keyHash)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
}

/** The project's API keys that authenticate at `now`. */
export function listValidApiKeys(db: Db, projectId: string, now: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'scopes', 'revoked_at', 'expires_at'])
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
}

/** Rotates out the given keys: marked revoked at `at`, authenticating until `expiresAt` unless they end sooner. */
export async function retireApiKeys(db: Db, ids: readonly string[], at: string, expiresAt: string) {
  if (ids.length === 0) return;
  await db.updateTable('api_keys').set({ revoked_at: at, expires_at: expiresAt }).where('id', 'in', ids).where('revoked_at', 'is', null).execute();
  await db.updateTable('api_keys').set({ expires_at: expiresAt }).where('id', 'in', ids).where('expires_at', '>', expiresAt).execute();
}

/** The project's API keys that are not revoked, oldest first. */
export function listActiveApiKeys(db: Db, projectId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_prefix', 'scopes', 'created_at', 'expires_at', 'last_used_at'])
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Revokes one key at once; false when the project has no such active key. */
export async function revokeApiKey(db: Db, projectId: string, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: at, expires_at: at })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchApiKey(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}

export function findSecretMetaKeys(db: Db, id: string) {
  return db.selectFrom('projects').select('secret_meta_keys').where('id', '=', id).executeTakeFirst();
}

export function updateSecretMetaKeys(db: Db, id: string, keys: string, at: string) {
  return db.updateTable('projects').set({ secret_meta_keys: keys, updated_at: at }).where('id', '=', id).executeTakeFirst();
}
