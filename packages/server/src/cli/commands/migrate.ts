import { openAppStore as openStore } from '../../domain/database.ts';
import { migrateToLatest } from '../../domain/migrations/index.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { overrides, parse } from '../args.ts';

export async function migrate(args: string[]): Promise<void> {
  const values = parse(args, {});
  const config = loadProcessConfig(overrides(values));
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await migrateToLatest(store);
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : `Schema is up to date (${store.dialect}).\n`);
  } finally {
    await store.close();
  }
}
