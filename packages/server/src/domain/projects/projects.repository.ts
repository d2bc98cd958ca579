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

export function insertSigningKey(db: Db, row: SigningKeyTable) {
  return db.insertInto('signing_keys').values(row).execute();
}

export function revokeSigningKeys(db: Db, projectId: string, at: string) {
  return db
    .updateTable('signing_keys')
    .set({ revoked_at: at })
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .execute();
}

export function listActiveSigningKeys(db: Db, projectId: string) {
  return db
    .selectFrom('signing_keys')
    .select(['id', 'public_key_pem'])
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Projects verifying tokens with this public key (SPKI PEM, as stored). */
export function findProjectsWithActiveSigningKey(db: Db, publicKeyPem: string) {
  return db
    .selectFrom('signing_keys')
    .select('project_id')
    .where('public_key_pem', '=', publicKeyPem)
    .where('revoked_at', 'is', null)
    .execute();
}

export function listSigningKeys(db: Db, projectId: string) {
  return db
    .selectFrom('signing_keys')
    .select(['id', 'created_at', 'revoked_at'])
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export function insertApiKey(db: Db, row: ApiKeyTable) {
  return db.insertInto('api_keys').values(row).execute();
}

export function findActiveApiKeyByHash(db: Db, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'project_id'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
