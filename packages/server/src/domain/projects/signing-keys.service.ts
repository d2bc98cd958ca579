import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import type { AppStore as Store } from '../database.ts';
import { generateSigningKeyPair } from '../../platform/crypto/signing-keys.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { earlierEnd, keyState, type KeyState, type RetiredKey } from './key-lifecycle.ts';
import * as repo from './projects.repository.ts';

/** How long tokens signed with a rotated-out key keep working. @default 86400 (24 h) */
export const DEFAULT_SIGNING_KEY_GRACE_SECONDS = 86_400;
/** Longest grace period a rotation may give: 30 days. */
export const MAX_SIGNING_KEY_GRACE_SECONDS = 30 * 86_400;

export interface SigningKeyRotation {
  /** The public half of a pair the caller keeps; without it a pair is generated and its private key returned once. */
  publicKeyPem?: string | undefined;
  /** How long the previous keys keep verifying; 0 revokes them at once (a leaked key). @default 86400 */
  graceSeconds?: number | undefined;
  /** The API key asking, recorded on the new key. */
  createdByApiKeyId?: string | undefined;
}

export interface RotatedSigningKey {
  keyId: string;
  privateKeyPem?: string;
  /** The keys that verified tokens before the rotation, and when each stops. */
  previousKeys: RetiredKey[];
}

/**
 * Makes a new key the project's current one. The previous keys keep verifying tokens for
 * `graceSeconds` (or less, if their own grace period ends sooner), so apps can roll out the new
 * private key without logging anyone out.
 */
export async function rotateSigningKey(deps: ChangeDeps, projectId: string, rotation: SigningKeyRotation, actor: Actor): Promise<RotatedSigningKey> {
  const graceSeconds = rotation.graceSeconds ?? DEFAULT_SIGNING_KEY_GRACE_SECONDS;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SIGNING_KEY_GRACE_SECONDS) {
    throw AppError.from('VALIDATION_FAILED', `graceSeconds must be a whole number from 0 to ${MAX_SIGNING_KEY_GRACE_SECONDS} (30 days); got ${graceSeconds}.`);
  }
  const generated = rotation.publicKeyPem === undefined ? generateSigningKeyPair() : undefined;
  const publicKeyPem = generated ? generated.publicKeyPem : checkedPublicKey(rotation.publicKeyPem!);
  const keyId = newId();
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const expiresAt = new Date(nowMs + graceSeconds * 1000).toISOString();
  const before = await deps.events.transaction(async (trx) => {
    if (!(await repo.findProject(trx, projectId))) throw AppError.from('PROJECT_NOT_FOUND', `No project with id ${projectId}.`);
    const valid = await repo.listValidSigningKeys(trx, projectId, now);
    await repo.retireSigningKeys(trx, projectId, now, expiresAt);
    await repo.insertSigningKey(trx, {
      id: keyId, project_id: projectId, public_key_pem: publicKeyPem, created_at: now, revoked_at: null, expires_at: null,
      created_by_api_key_id: rotation.createdByApiKeyId ?? null,
    });
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'signing-keys' } });
    return valid;
  });
  const previousKeys = before.map((key) => {
    const end = earlierEnd(key.expires_at, expiresAt);
    return { id: key.id, state: keyState(end, nowMs), expiresAt: end };
  });
  return generated ? { keyId, privateKeyPem: generated.privateKeyPem, previousKeys } : { keyId, previousKeys };
}

const MIN_RSA_BITS = 2048;

/** An uploaded key must be an RSA public key of at least 2048 bits; it is stored as SPKI PEM. */
function checkedPublicKey(pem: string): string {
  // createPublicKey derives the public half of a private key without a word: refuse those outright.
  if (/PRIVATE KEY/.test(pem) || /"d"\s*:/.test(pem) || parsesAsPrivateKey(pem)) {
    throw AppError.from('SIGNING_KEY_IS_PRIVATE', 'publicKeyPem holds a private key. Never send a private key to Portico (or anyone): upload only the public half ("openssl rsa -in key.pem -pubout"). Nothing was stored; treat this key pair as exposed and generate a new one.');
  }
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

function parsesAsPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

export interface SigningKeyView {
  id: string;
  state: KeyState;
  /** `state === 'active'`, kept for clients of the first version. */
  active: boolean;
  dateCreated: string;
  /** When it was rotated out; it keeps verifying until `expiresAt`. */
  dateRevoked: string | null;
  expiresAt: string | null;
  createdByApiKeyId: string | null;
}

/** The project's signing keys, newest first, without key material. */
export async function listSigningKeys(store: Store, projectId: string): Promise<SigningKeyView[]> {
  const rows = await repo.listSigningKeys(store.db, projectId);
  const now = Date.now();
  return rows.map((row) => {
    const state = keyState(row.expires_at, now);
    return {
      id: row.id, state, active: state === 'active', dateCreated: row.created_at, dateRevoked: row.revoked_at,
      expiresAt: row.expires_at, createdByApiKeyId: row.created_by_api_key_id,
    };
  });
}

/** The keys that verify tokens now, with when each stops (undefined: the current key). */
export async function loadValidSigningKeys(store: Store, projectId: string): Promise<Array<{ id: string; key: KeyObject; expiresAt: number | undefined }>> {
  const rows = await repo.listValidSigningKeys(store.db, projectId, new Date().toISOString());
  return rows.map((row) => ({
    id: row.id,
    key: createPublicKey(row.public_key_pem),
    expiresAt: row.expires_at === null ? undefined : Date.parse(row.expires_at),
  }));
}
