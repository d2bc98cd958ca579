import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export interface BenchOptions {
  stores: StoreKind[];
  /** Scenario names to run; empty means all. The baseline always runs: every ratio needs it. */
  scenarios: string[];
  quick: boolean;
  /** Connected Users seeded for the population scenarios. */
  populationUsers: number;
  /** Seconds of measured load per HTTP scenario. */
  durationSeconds: number;
  /** Seconds of unmeasured load before each HTTP scenario (JIT, caches, connection pools). */
  warmupSeconds: number;
  connections: number;
  /** Concurrent connections of the user search scenarios: a support team searching, not a load test. */
  searchConnections: number;
  /** Searches per second of the search-* scenarios (0: as fast as the server answers). */
  searchRate: number;
  /** Seconds spent in the in-process token verification loop. */
  verifySeconds: number;
  /** Run the server under test with --cpu-prof; profiles land in `<outDir>/profiles`. */
  cpuProfile: boolean;
  /** Leave each store's database in place after the run (its location and API key are printed). */
  keep: boolean;
  outDir: string;
  pgAdminUrl: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const USAGE = `npm run bench -- [options]

  --store sqlite|postgres   store(s) to run, comma-separated or repeated (default: both)
  --scenario NAME           scenario(s) to run, comma-separated or repeated (default: all)
  --quick                   100,000 users and short runs: both stores in a few minutes
  --users N                 Connected Users in the population scenarios (default 1,000,000)
  --duration S              measured seconds per HTTP scenario (default 15, quick 5)
  --warmup S                unmeasured seconds before each HTTP scenario (default 3, quick 1)
  --connections N           concurrent HTTP connections (default 50)
  --search-connections N    concurrent connections of the search-* scenarios (default 8)
  --search-rate N           searches per second of the search-* scenarios (default 100; 0: as fast as answered)
  --cpu-prof                profile the server under test (node --cpu-prof)
  --keep                    keep each store's database (SQLite directory, PostgreSQL database) to examine it
  --out DIR                 where the JSON report goes (default bench-results/ at the repo root)

Environment: PORTICO_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), where a
throwaway database is created and dropped.`;

export class UsageError extends Error {}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`--${name} must be a positive integer; got "${raw}".`);
  return value;
}

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        store: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        users: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        'search-connections': { type: 'string' },
        'search-rate': { type: 'string' },
        'cpu-prof': { type: 'boolean' },
        keep: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const stores = list(values.store);
  for (const store of stores) {
    if (!STORE_KINDS.includes(store as StoreKind)) throw new UsageError(`--store must be sqlite or postgres; got "${store}".`);
  }
  const quick = values.quick ?? false;
  return {
    stores: stores.length > 0 ? [...new Set(stores as StoreKind[])] : [...STORE_KINDS],
    scenarios: list(values.scenario),
    quick,
    populationUsers: positiveInteger(values.users, 'users', quick ? 100_000 : 1_000_000),
    durationSeconds: positiveInteger(values.duration, 'duration', quick ? 5 : 15),
    warmupSeconds: positiveInteger(values.warmup, 'warmup', quick ? 1 : 3),
    connections: positiveInteger(values.connections, 'connections', 50),
    searchConnections: positiveInteger(values['search-connections'], 'search-connections', 8),
    searchRate: values['search-rate'] === '0' ? 0 : positiveInteger(values['search-rate'], 'search-rate', 100),
    verifySeconds: quick ? 2 : 5,
    cpuProfile: values['cpu-prof'] ?? false,
    keep: values.keep ?? false,
    outDir: path.resolve(values.out ?? path.join(REPO_ROOT, 'bench-results')),
    pgAdminUrl: env.PORTICO_BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}
