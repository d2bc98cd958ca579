import type { Store } from '../../db/store.ts';
import { newId, nowIso } from '../../lib/ids.ts';
import { generateApiKey, generateSigningKeyPair } from '../../lib/signing-keys.ts';
import { AppError } from '../../errors.ts';
import { DEFAULT_PLAN, type Plan } from './plans.ts';
import * as repo from './projects.repository.ts';

export interface Project {
  id: string;
  name: string;
  plan: Plan;
  dateCreated: string;
  dateUpdated: string;
}

export interface CreatedProject {
  projectId: string;
  /** Shown once; only its SHA-256 is stored. */
  apiKey: string;
  /** Shown once; only the public key is stored. */
  privateKeyPem: string;
}

export function toProject(row: { id: string; name: string; plan: string; created_at: string; updated_at: string }): Project {
  return { id: row.id, name: row.name, plan: row.plan as Plan, dateCreated: row.created_at, dateUpdated: row.updated_at };
}

export async function createProject(store: Store, input: { name: string; plan?: Plan }): Promise<CreatedProject> {
  const projectId = newId();
  const now = nowIso();
  const keys = generateSigningKeyPair();
  const apiKey = generateApiKey();
  await store.db.transaction().execute(async (trx) => {
    await repo.insertProject(trx, { id: projectId, name: input.name, plan: input.plan ?? DEFAULT_PLAN, created_at: now, updated_at: now });
    await repo.insertSigningKey(trx, { id: newId(), project_id: projectId, public_key_pem: keys.publicKeyPem, created_at: now, revoked_at: null });
    await repo.insertApiKey(trx, {
      id: newId(), project_id: projectId, name: 'default', key_hash: apiKey.hash, key_prefix: apiKey.prefix, created_at: now, revoked_at: null,
    });
  });
  return { projectId, apiKey: apiKey.key, privateKeyPem: keys.privateKeyPem };
}

/** Makes a new signing key pair; tokens signed with the previous key stop working. */
export async function rotateSigningKey(store: Store, projectId: string): Promise<{ keyId: string; privateKeyPem: string }> {
  const keys = generateSigningKeyPair();
  const keyId = newId();
  const now = nowIso();
  await store.db.transaction().execute(async (trx) => {
    if (!(await repo.findProject(trx, projectId))) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    await repo.revokeSigningKeys(trx, projectId, now);
    await repo.insertSigningKey(trx, { id: keyId, project_id: projectId, public_key_pem: keys.publicKeyPem, created_at: now, revoked_at: null });
  });
  return { keyId, privateKeyPem: keys.privateKeyPem };
}

export async function getProject(store: Store, projectId: string): Promise<Project | undefined> {
  const row = await repo.findProject(store.db, projectId);
  return row ? toProject(row) : undefined;
}

export async function listProjects(store: Store): Promise<Project[]> {
  return (await repo.listProjects(store.db)).map(toProject);
}
