import { openMigratedStore, loadEncryptionKeys } from '../../boot/runtime.ts';
import { resealCredentialSecrets } from '../../domain/connections/index.ts';
import { resealClientSecrets } from '../../domain/integrations/index.ts';
import { resealWebhookSecrets } from '../../domain/webhooks/index.ts';
import { resealUserSecretMeta } from '../../domain/users/index.ts';
import type { AppStore } from '../../domain/database.ts';
import { forgetEncryptionKey, listEncryptionKeys, retireKeysOtherThanCurrent } from '../../domain/secrets/index.ts';
import { ConfigError, loadProcessConfig } from '../../platform/config.ts';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

async function withKeys(values: ReturnType<typeof parse>, run: (store: AppStore, box: SecretBox) => Promise<void>): Promise<void> {
  const config = loadProcessConfig(overrides(values));
  const keys = loadEncryptionKeys(config);
  if (keys.save) throw new ConfigError(`No encryption key is configured: ${keys.source}. Set PORTICO_ENCRYPTION_KEYS or restore the file.`);
  const store = await openMigratedStore(config);
  try {
    await run(store, keys.box);
  } finally {
    await store.close();
  }
}

async function printKeys(store: AppStore, box: SecretBox): Promise<void> {
  for (const key of await listEncryptionKeys(store.db, box)) {
    const status = key.retiredAt ? `retired ${key.retiredAt}` : 'in use';
    process.stdout.write(`  ${key.version.padEnd(4)} ${key.fingerprint}  ${status}${key.configured ? ', configured' : ', NOT configured'}\n`);
  }
}

/**
 * `portico secrets reseal`: re-seals every secret with the current key, bound to its row, then
 * retires the keys no secret needs any more. `portico secrets forget-key`: gives up a lost key.
 */
export async function secrets(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'reseal') {
    const values = parse(rest, {});
    await withKeys(values, async (store, box) => {
      const credentials = await resealCredentialSecrets(store.db, box);
      const clientSecrets = await resealClientSecrets(store.db, box);
      const webhookSecrets = await resealWebhookSecrets(store.db, box);
      const userSecretMeta = await resealUserSecretMeta(store.db, box);
      const parts = [credentials, clientSecrets, webhookSecrets, userSecretMeta];
      const report = {
        scanned: parts.reduce((sum, part) => sum + part.scanned, 0),
        resealed: parts.reduce((sum, part) => sum + part.resealed, 0),
        skipped: parts.reduce((sum, part) => sum + part.skipped, 0),
        unreadable: parts.flatMap((part) => part.unreadable),
      };
      const retired = report.unreadable.length === 0 ? await retireKeysOtherThanCurrent(store.db, box) : [];
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...report, currentKey: box.currentFingerprint, retiredKeys: retired })}\n`);
      } else {
        process.stdout.write(`Scanned ${report.scanned} secrets; re-sealed ${report.resealed} with key ${box.currentVersion}` +
          `${report.skipped ? `; ${report.skipped} changed meanwhile and were left as written` : ''}.\n`);
        if (report.unreadable.length > 0) {
          process.stdout.write(`${report.unreadable.length} secrets open with none of the configured keys (credentials, integrations, webhooks or users' secret metadata ${report.unreadable.slice(0, 5).join(', ')}${report.unreadable.length > 5 ? ', …' : ''}); no key was retired.\n`);
        }
        process.stdout.write('Encryption keys recorded in the database:\n');
        await printKeys(store, box);
      }
      if (report.unreadable.length > 0) process.exitCode = 1;
    });
    return;
  }
  if (sub === 'forget-key') {
    const values = parse(rest, { fingerprint: { type: 'string' } });
    const fingerprint = required(values, 'fingerprint');
    await withKeys(values, async (store, box) => {
      await forgetEncryptionKey(store.db, box, fingerprint);
      process.stdout.write(`Key ${fingerprint} forgotten: Portico starts without it; the secrets it sealed stay unreadable until their users reconnect.\n`);
    });
    return;
  }
  throw new UsageError(`Unknown command "secrets ${sub ?? ''}".`);
}
