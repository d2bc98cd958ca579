import type { Db } from '../database.ts';
import type { SecretBinding, SecretBox } from '../../platform/crypto/secret-box.ts';
import { sealSecret, type SealedSample } from '../secrets/index.ts';
import * as repo from './integrations.repository.ts';

/** Where an integration's OAuth client secret lives: its ciphertext opens only in this row and field. */
export function clientSecretBinding(integrationId: string): SecretBinding {
  return { table: 'integrations', field: 'client_secret', rowId: integrationId };
}

export function sealClientSecret(trx: Db, box: SecretBox, integrationId: string, plaintext: string): Promise<string> {
  return sealSecret(trx, box, clientSecretBinding(integrationId), plaintext);
}

/** The decrypted OAuth client secret of an integration, for the token endpoint; undefined when none is set. */
export async function readClientSecret(deps: { store: { db: Db }; secrets: SecretBox }, integrationId: string): Promise<string | undefined> {
  const row = await repo.findClientSecret(deps.store.db, integrationId);
  return row?.client_secret ? deps.secrets.open(row.client_secret, clientSecretBinding(integrationId)) : undefined;
}

/** The newest sealed client secret, for the boot check of the encryption keys. */
export async function newestSealedClientSecret(db: Db): Promise<SealedSample | undefined> {
  const row = await repo.newestClientSecret(db);
  return row?.client_secret ? { envelope: row.client_secret, binding: clientSecretBinding(row.id) } : undefined;
}

export interface ClientSecretResealReport {
  scanned: number;
  resealed: number;
  skipped: number;
  /** Ids of integrations whose client secret none of the configured keys opens. */
  unreadable: string[];
}

/** Re-seals every client secret not yet sealed with the current key and bound to its row; see `resealCredentialSecrets`. */
export async function resealClientSecrets(db: Db, box: SecretBox, pageSize = 500): Promise<ClientSecretResealReport> {
  const report: ClientSecretResealReport = { scanned: 0, resealed: 0, skipped: 0, unreadable: [] };
  let afterId = '';
  for (;;) {
    const page = await repo.pageOfClientSecrets(db, afterId, pageSize);
    if (page.length === 0) return report;
    for (const row of page) {
      const sealed = row.client_secret;
      if (sealed === null) continue;
      report.scanned++;
      if (!box.needsReseal(sealed)) continue;
      let plaintext: string;
      try {
        plaintext = box.open(sealed, clientSecretBinding(row.id));
      } catch {
        report.unreadable.push(row.id);
        continue;
      }
      const written = await db.transaction().execute(async (trx) =>
        repo.replaceClientSecret(trx, row.id, sealed, await sealClientSecret(trx, box, row.id, plaintext)));
      if (written === 1) report.resealed++;
      else report.skipped++;
    }
    afterId = page[page.length - 1]!.id;
  }
}
