import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AppStore as Store } from '../database.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { generateApiKey, generateSigningKeyPair } from '../../platform/crypto/signing-keys.ts';
import { AppError } from '../../platform/errors.ts';
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

/**
 * Replaces the project's signing key: generates a pair (the private key is returned once), or
 * takes the public half of a pair the caller keeps. Tokens signed with the previous key stop working.
 */
export async function rotateSigningKey(
  store: Store,
  projectId: string,
  upload?: { publicKeyPem: string },
): Promise<{ keyId: string; privateKeyPem?: string }> {
  const generated = upload ? undefined : generateSigningKeyPair();
  const publicKeyPem = upload ? checkedPublicKey(upload.publicKeyPem) : generated!.publicKeyPem;
  const keyId = newId();
  const now = nowIso();
  await store.db.transaction().execute(async (trx) => {
    if (!(await repo.findProject(trx, projectId))) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    await repo.revokeSigningKeys(trx, projectId, now);
    await repo.insertSigningKey(trx, { id: keyId, project_id: projectId, public_key_pem: publicKeyPem, created_at: now, revoked_at: null });
  });
  return generated ? { keyId, privateKeyPem: generated.privateKeyPem } : { keyId };
}

const MIN_RSA_BITS = 2048;

/** An uploaded key must be an RSA public key of at least 2048 bits; it is stored as SPKI PEM. */
function checkedPublicKey(pem: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw AppError.from('SIGNING_KEY_INVALID', 'publicKeyPem is not a PEM public key ("-----BEGIN PUBLIC KEY-----" or "-----BEGIN RSA PUBLIC KEY-----").');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw AppError.from('SIGNING_KEY_INVALID', `User Tokens are RS256: upload an RSA public key of at least ${MIN_RSA_BITS} bits (got ${key.asymmetricKeyType ?? 'unknown'}${bits ? ` ${bits} bits` : ''}).`);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export async function listSigningKeys(store: Store, projectId: string) {
  const rows = await repo.listSigningKeys(store.db, projectId);
  return rows.map((row) => ({ id: row.id, active: row.revoked_at === null, dateCreated: row.created_at, dateRevoked: row.revoked_at }));
}

/** Ids of the projects that accept tokens signed by the private half of `publicKey`. */
export async function projectsTrustingKey(store: Store, publicKey: KeyObject): Promise<string[]> {
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return (await repo.findProjectsWithActiveSigningKey(store.db, pem)).map((row) => row.project_id);
}

export async function getProject(store: Store, projectId: string): Promise<Project | undefined> {
  const row = await repo.findProject(store.db, projectId);
  return row ? toProject(row) : undefined;
}

export async function listProjects(store: Store): Promise<Project[]> {
  return (await repo.listProjects(store.db)).map(toProject);
}
