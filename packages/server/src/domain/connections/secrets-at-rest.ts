import type { Db } from '../database.ts';
import type { SecretBinding, SecretBox } from '../../platform/crypto/secret-box.ts';
import { sealSecret, type SealedSample } from '../secrets/index.ts';
import * as repo from './credentials.repository.ts';

/** Where a credential's tokens live: their ciphertext opens only in this row and field. */
export function secretsBinding(credentialId: string): SecretBinding {
  return { table: 'credentials', field: 'secrets', rowId: credentialId };
}

export function sealCredentialSecrets(trx: Db, box: SecretBox, credentialId: string, plaintext: string): Promise<string> {
  return sealSecret(trx, box, secretsBinding(credentialId), plaintext);
}

/** The newest sealed credential secret, for the boot check of the encryption keys. */
export async function newestSealedCredential(db: Db): Promise<SealedSample | undefined> {
  const row = await repo.newestSecrets(db);
  return row ? { envelope: row.secrets, binding: secretsBinding(row.id) } : undefined;
}

export interface ResealReport {
  /** Secrets read. */
  scanned: number;
  /** Re-sealed with the current key, bound to their row. */
  resealed: number;
  /** Rewritten by someone else between the read and the write (sealed the current way); left as written. */
  skipped: number;
  /** Ids of credentials whose secrets none of the configured keys opens. */
  unreadable: string[];
}

/**
 * Re-seals every credential secret that is not yet bound to its row or not sealed with the
 * current key, in pages. Safe while the server runs: a row changed meanwhile is left as written.
 */
export async function resealCredentialSecrets(db: Db, box: SecretBox, pageSize = 500): Promise<ResealReport> {
  const report: ResealReport = { scanned: 0, resealed: 0, skipped: 0, unreadable: [] };
  let afterId = '';
  for (;;) {
    const page = await repo.pageOfSecrets(db, afterId, pageSize);
    if (page.length === 0) return report;
    for (const row of page) {
      report.scanned++;
      if (!box.needsReseal(row.secrets)) continue;
      let plaintext: string;
      try {
        plaintext = box.open(row.secrets, secretsBinding(row.id));
      } catch {
        report.unreadable.push(row.id);
        continue;
      }
      const written = await db.transaction().execute(async (trx) =>
        repo.replaceSecrets(trx, row.id, row.secrets, await sealCredentialSecrets(trx, box, row.id, plaintext)));
      if (written === 1) report.resealed++;
      else report.skipped++;
    }
    afterId = page[page.length - 1]!.id;
  }
}
