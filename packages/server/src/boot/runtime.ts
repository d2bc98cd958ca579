import fs from 'node:fs';
import path from 'node:path';
import { createContext, type AppContext } from '../domain/context.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import { migrateToLatest } from '../domain/migrations/index.ts';
import { openAppStore as openStore } from '../domain/database.ts';
import type { AppStore as Store } from '../domain/database.ts';
import { newestSealedCredential } from '../domain/connections/index.ts';
import { newestSealedClientSecret } from '../domain/integrations/index.ts';
import { checkEncryptionKeys } from '../domain/secrets/index.ts';
import { newestSealedWebhookSecret } from '../domain/webhooks/index.ts';
import { PgChangeNotifier } from '../platform/events/index.ts';
import { jsonLineLogger } from '../platform/jobs/index.ts';
import { SecretBox } from '../platform/crypto/secret-box.ts';

export const ENCRYPTION_KEY_FILE = 'encryption-keys';

export interface EncryptionKeys {
  box: SecretBox;
  /** Where the keys come from, for messages. */
  source: string;
  /** Set when the key was just generated: writes it to the data directory, once the database accepted it. */
  save?: () => void;
}

/**
 * The encryption keys: from PORTICO_ENCRYPTION_KEYS, or (embedded store only) from the data
 * directory, where a key is generated on first start. PostgreSQL deployments must configure them:
 * a key on one node's disk would leave the others unable to read secrets.
 */
export function loadEncryptionKeys(config: Config): EncryptionKeys {
  if (config.encryptionKeys) return { box: new SecretBox(config.encryptionKeys), source: 'PORTICO_ENCRYPTION_KEYS' };
  if (config.databaseUrl) {
    throw new ConfigError(
      `PORTICO_ENCRYPTION_KEYS is required with DATABASE_URL. Generate one with: node -e "console.log('v1:'+require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  const file = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
  if (fs.existsSync(file)) return { box: new SecretBox(fs.readFileSync(file, 'utf8').trim()), source: file };
  const spec = SecretBox.generateKeySpec();
  return {
    box: new SecretBox(spec),
    source: `a new key, generated because ${file} is missing, and not saved`,
    save: () => {
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      try {
        fs.writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new ConfigError(`${file} appeared while Portico was starting (another portico process?); start again.`);
      }
    },
  };
}

/** Opens the store and brings its schema up to date. */
export async function openMigratedStore(config: Config): Promise<Store> {
  const log = jsonLineLogger(config.logLevel);
  const store = openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    preparedStatements: config.pgPreparedStatements,
    onWarning: (message) => log('warn', message),
  });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The store and the services of a running node. Refuses to start when the database holds secrets
 * that the configured encryption keys cannot open (see `checkEncryptionKeys`); a key generated for
 * a missing file is only saved once the database accepted it. On PostgreSQL a change notifier
 * listens for the other nodes' changes (and the CLI's), so caches drop stale entries within milliseconds.
 */
export async function openRuntime(config: Config): Promise<AppContext> {
  const keys = loadEncryptionKeys(config);
  const store = await openMigratedStore(config);
  const notifier = config.databaseUrl ? new PgChangeNotifier({ connectionString: config.databaseUrl, applicationName: 'portico-listener' }) : undefined;
  try {
    const newestSealed = async () => (await newestSealedCredential(store.db)) ?? (await newestSealedClientSecret(store.db)) ?? (await newestSealedWebhookSecret(store.db));
    await checkEncryptionKeys(store.db, keys.box, newestSealed, keys.source);
    keys.save?.();
    await notifier?.start();
    return createContext(config, store, keys.box, { notifier });
  } catch (error) {
    await notifier?.stop();
    await store.close();
    throw error;
  }
}
