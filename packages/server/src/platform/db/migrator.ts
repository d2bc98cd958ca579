import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { AnyStore, DialectName } from './store.ts';

/** Column types that differ between the stores. */
export function columnTypes(dialect: DialectName) {
  return dialect === 'postgres'
    ? ({ timestamp: 'timestamptz', json: 'jsonb' } as const)
    : ({ timestamp: 'text', json: 'text' } as const);
}

/** A migration written once for both stores: it gets the dialect to pick column types. */
export type MigrationFactory = (dialect: DialectName) => Migration;

/** Migrations by name, applied in name order; never edit one that has shipped, add a new one. */
export type MigrationList = Readonly<Record<string, MigrationFactory>>;

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly dialect: DialectName,
    private readonly migrations: MigrationList,
  ) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(this.migrations).map(([name, make]) => [name, make(this.dialect)]));
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(store: AnyStore, migrations: MigrationList): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: store.db,
    provider: new StaticProvider(store.dialect, migrations),
    migrationTableName: 'portico_migrations',
    migrationLockTableName: 'portico_migrations_lock',
    // Rooms number their migrations in ranges handed out per branch, so a store can already have a
    // higher-numbered one (0070_staff) when a lower one (0060_…) lands; each runs once either way.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed on ${store.dialect} (${store.location}): ${String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
