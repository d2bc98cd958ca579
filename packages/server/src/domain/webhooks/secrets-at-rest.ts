import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Db } from '../database.ts';
import { sealSecret, type SealedSample } from '../secrets/index.ts';
import { pageOfSecrets, replaceSecret } from './webhooks.repository.ts';
import { secretBinding } from './webhooks.service.ts';

export interface WebhookSecretResealReport {
  scanned: number;
  resealed: number;
  skipped: number;
  /** Ids of webhooks with a secret none of the configured keys opens. */
  unreadable: string[];
}

/**
 * Re-seals every webhook signing secret (current and previous) not yet sealed with the current
 * key, so `portico secrets reseal` can retire the old keys without leaving webhooks unable to sign.
 */
export async function resealWebhookSecrets(db: Db, box: SecretBox, pageSize = 500): Promise<WebhookSecretResealReport> {
  const report: WebhookSecretResealReport = { scanned: 0, resealed: 0, skipped: 0, unreadable: [] };
  let afterId = '';
  for (;;) {
    const page = await pageOfSecrets(db, afterId, pageSize);
    if (page.length === 0) return report;
    for (const row of page) {
      for (const field of ['secret', 'previous_secret'] as const) {
        const sealed = row[field];
        if (sealed === null) continue;
        report.scanned++;
        if (!box.needsReseal(sealed)) continue;
        let plaintext: string;
        try {
          plaintext = box.open(sealed, secretBinding(row.id, field));
        } catch {
          if (!report.unreadable.includes(row.id)) report.unreadable.push(row.id);
          continue;
        }
        const written = await db.transaction().execute(async (trx) =>
          replaceSecret(trx, row.id, field, sealed, await sealSecret(trx, box, secretBinding(row.id, field), plaintext)));
        if (written === 1) report.resealed++;
        else report.skipped++;
      }
    }
    afterId = page[page.length - 1]!.id;
  }
}

/** The newest webhook secret, for the boot check of the encryption keys. */
export async function newestSealedWebhookSecret(db: Db): Promise<SealedSample | undefined> {
  const row = await db.selectFrom('webhooks').select(['id', 'secret']).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
  return row ? { envelope: row.secret, binding: secretBinding(row.id, 'secret') } : undefined;
}
