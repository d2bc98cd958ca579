import type { KeyObject } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppStore as Store, Database, Db } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { generateApiKey, generateSigningKeyPair } from '../../platform/crypto/signing-keys.ts';
import { AppError } from '../../platform/errors.ts';
import { ADMIN_SCOPE } from './api-keys.service.ts';
import { DEFAULT_PLAN, type Plan } from './plans.ts';
import type { SigningKey } from './project.schema.ts';
import * as repo from './projects.repository.ts';

export interface Project {
  id: string;
  name: string;
  plan: Plan;
  /** Top-level metadata keys whose values are sealed at rest and redacted as "[secret]". */
  secretMetaKeys: string[];
  dateCreated: string;
  dateUpdated: string;
}

export interface CreatedProject {
  projectId: string;
  /** The project's `admin` API key. Shown once; only its SHA-256 is stored. */
  apiKey: string;
  /** Shown once; only the public key is stored. */
  privateKeyPem: string;
  /** Id of the signing key, the `kid` tokens may name. */
  signingKeyId: string;
}

export function toProject(row: { id: string; name: string; plan: string; secret_meta_keys?: string | undefined; created_at: string; updated_at: string }): Project {
  return { id: row.id, name: row.name, plan: row.plan as Plan, secretMetaKeys: parseSecretMetaKeys(row.secret_meta_keys), dateCreated: row.created_at, dateUpdated: row.updated_at };
}

function parseSecretMetaKeys(stored: string | undefined): string[] {
  if (!stored) return [];
  const parsed = JSON.parse(stored) as unknown;
  return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
}

/** The project's secret metadata keys as stored now, read in the caller's transaction (not the cache). */
export async function secretMetaKeysIn(db: Db, projectId: string): Promise<string[]> {
  return parseSecretMetaKeys((await repo.findSecretMetaKeys(db, projectId))?.secret_meta_keys);
}

/** Replaces the project's secret metadata keys in the caller's transaction, recording `project.changed`. */
export async function updateSecretMetaKeys(deps: ChangeDeps, trx: Transaction<Database>, projectId: string, keys: readonly string[], actor: Actor): Promise<void> {
  const updated = await repo.updateSecretMetaKeys(trx, projectId, JSON.stringify(keys), nowIso());
  if (updated.numUpdatedRows === 0n) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
  await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'project' } });
}

export async function createProject(store: Store, input: { name: string; plan?: Plan }): Promise<CreatedProject> {
  const projectId = newId();
  const signingKeyId = newId();
  const now = nowIso();
  const keys = generateSigningKeyPair();
  const apiKey = generateApiKey();
  await store.db.transaction().execute(async (trx) => {
    await repo.insertProject(trx, { id: projectId, name: input.name, plan: input.plan ?? DEFAULT_PLAN, created_at: now, updated_at: now });
    await repo.insertSigningKey(trx, {
      id: signingKeyId, project_id: projectId, public_key_pem: keys.publicKeyPem, created_at: now, revoked_at: null, expires_at: null, created_by_api_key_id: null,
    });
    await repo.insertApiKey(trx, {
      id: newId(), project_id: projectId, name: ADMIN_SCOPE, key_hash: apiKey.hash, key_prefix: apiKey.prefix, scopes: ADMIN_SCOPE,
      created_at: now, revoked_at: null, expires_at: null,
    });
  });
  return { projectId, apiKey: apiKey.key, privateKeyPem: keys.privateKeyPem, signingKeyId };
}

/** Moves the project to another plan; the features it unlocks follow at once on every node. */
export async function setProjectPlan(deps: ChangeDeps, projectId: string, plan: Plan, actor: Actor): Promise<Project> {
  await deps.events.transaction(async (trx) => {
    const updated = await repo.updateProjectPlan(trx, projectId, plan, nowIso());
    if (updated.numUpdatedRows === 0n) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'plan' } });
  });
  const project = await getProject(deps.store, projectId);
  if (!project) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
  return project;
}

/** Ids of the projects that accept tokens signed by the private half of `publicKey`. */
export async function projectsTrustingKey(store: Store, publicKey: KeyObject): Promise<string[]> {
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return (await repo.findProjectsWithActiveSigningKey(store.db, pem, nowIso())).map((row) => row.project_id);
}

export async function getProject(store: Store, projectId: string): Promise<Project | undefined> {
  const row = await repo.findProject(store.db, projectId);
  return row ? toProject(row) : undefined;
}

export async function listProjects(store: Store): Promise<Project[]> {
  return (await repo.listProjects(store.db)).map(toProject);
}
