import fs from 'node:fs';
import path from 'node:path';
import { createContext, type AppContext } from '../domain/context.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import { migrateToLatest } from '../domain/migrations/index.ts';
import { openAppStore as openStore } from '../domain/database.ts';
import type { AppStore as Store } from '../domain/database.ts';
import { PgChangeNotifier } from '../platform/events/index.ts';
import { SecretBox } from '../platform/crypto/secret-box.ts';

export const ENCRYPTION_KEY_FILE = 'encryption-keys';

/**
 * The encryption keys: from PORTICO_ENCRYPTION_KEYS, or (embedded store only) generated once into
 * the data directory. PostgreSQL deployments must configure them: a key on one node's disk would
 * leave the others unable to read secrets.
 */
export function loadSecretBox(config: Config): SecretBox {
  if (config.encryptionKeys) return new SecretBox(config.encryptionKeys);
  if (config.databaseUrl) {
    throw new ConfigError(
      `PORTICO_ENCRYPTION_KEYS is required with DATABASE_URL. Generate one with: node -e "console.log('v1:'+require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  const file = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${SecretBox.generateKeySpec()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return new SecretBox(fs.readFileSync(file, 'utf8').trim());
}

/** Opens the store and brings its schema up to date. */
export async function openMigratedStore(config: Config): Promise<Store> {
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The services of a running node. On PostgreSQL a change notifier listens for the other nodes'
 * changes (and this process's CLI siblings'), so caches drop stale entries within milliseconds.
 */
export async function openRuntime(config: Config): Promise<AppContext> {
  const secrets = loadSecretBox(config);
  const store = await openMigratedStore(config);
  const notifier = config.databaseUrl ? new PgChangeNotifier({ connectionString: config.databaseUrl, applicationName: 'portico-listener' }) : undefined;
  try {
    await notifier?.start();
  } catch (error) {
    await store.close();
    throw error;
  }
  return createContext(config, store, secrets, { notifier });
}
