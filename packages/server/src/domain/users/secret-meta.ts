import type { Db } from '../database.ts';
import type { SecretBinding, SecretBox } from '../../platform/crypto/secret-box.ts';
import { parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import { sealSecret } from '../secrets/index.ts';

/** What every API outside workflows shows instead of a secret metadata value. */
export const SECRET_PLACEHOLDER = '[secret]';

/** Where a user's secret metadata lives: its ciphertext opens only in this row and field. */
export function secretMetaBinding(userRowId: string): SecretBinding {
  return { table: 'connected_users', field: 'secret_meta', rowId: userRowId };
}

/** The metadata as stored: the public part (placeholders for secret keys) and the sealed values. */
export interface StoredMeta {
  meta: string;
  secretMeta: string | null;
}

/** The clear values of the user's secret keys (empty when none). */
export function openSecretMeta(box: SecretBox, userRowId: string, sealed: string | null | undefined): JsonObject {
  if (!sealed) return {};
  return parseJsonObject(box.open(sealed, secretMetaBinding(userRowId)));
}

/** The whole metadata in clear: the stored public part with the secret values put back. */
export function revealMeta(box: SecretBox, userRowId: string, stored: { meta: string; secret_meta?: string | null | undefined }): JsonObject {
  const meta = parseJsonObject(stored.meta);
  const secrets = openSecretMeta(box, userRowId, stored.secret_meta);
  for (const [key, value] of Object.entries(secrets)) meta[key] = value;
  return meta;
}

/** Splits clear metadata into what `meta` stores (placeholders for secret keys) and the secret values. */
export function splitSecretMeta(meta: JsonObject, secretKeys: ReadonlySet<string>): { shown: JsonObject; secrets: JsonObject | undefined } {
  if (secretKeys.size === 0) return { shown: meta, secrets: undefined };
  const shown: JsonObject = {};
  let secrets: JsonObject | undefined;
  for (const [key, value] of Object.entries(meta)) {
    if (secretKeys.has(key)) {
      (secrets ??= {})[key] = value;
      shown[key] = SECRET_PLACEHOLDER;
    } else {
      shown[key] = value;
    }
  }
  return { shown, secrets };
}

/** Metadata with the values of `secretKeys` replaced by the placeholder (for keys made secret but not yet sealed). */
export function redactMeta(meta: JsonObject, secretKeys: ReadonlySet<string>): JsonObject {
  if (secretKeys.size === 0) return meta;
  let redacted: JsonObject | undefined;
  for (const key of Object.keys(meta)) {
    if (secretKeys.has(key) && meta[key] !== SECRET_PLACEHOLDER) (redacted ??= { ...meta })[key] = SECRET_PLACEHOLDER;
  }
  return redacted ?? meta;
}

/** The part of the metadata search may index: never a secret key. */
export function searchableMeta(shown: JsonObject, secretKeys: ReadonlySet<string>): JsonObject {
  if (secretKeys.size === 0) return shown;
  return Object.fromEntries(Object.entries(shown).filter(([key]) => !secretKeys.has(key)));
}

/** Clear metadata as it is stored, the secret values sealed to the row (recording the sealing key). */
export async function sealMeta(trx: Db, box: SecretBox, userRowId: string, meta: JsonObject, secretKeys: ReadonlySet<string>): Promise<StoredMeta & { shown: JsonObject }> {
  const { shown, secrets } = splitSecretMeta(meta, secretKeys);
  const secretMeta = secrets === undefined ? null : await sealSecret(trx, box, secretMetaBinding(userRowId), JSON.stringify(secrets));
  return { meta: JSON.stringify(shown), secretMeta, shown };
}
