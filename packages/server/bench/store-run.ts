import { loadConfig } from '../src/platform/config.ts';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import { SecretBox } from '../src/platform/crypto/secret-box.ts';
import { signUserToken } from '../src/platform/crypto/user-token-signer.ts';
import { onCleanup } from './cleanup.ts';
import { createBenchDatabase } from './database.ts';
import type { BenchOptions, StoreKind } from './options.ts';
import { startPortico, type Service } from './processes.ts';
import { withRatios, type ScenarioReport, type StoreReport } from './report.ts';
import { populationUserId, seedPopulation, type PopulationSeed } from './seed-population.ts';
import { BENCH_USER, createBenchProject, seedThroughApi } from './seed-project.ts';
import { signTokens, TokenCycle } from './tokens.ts';
import type { Scenario, ScenarioContext } from './scenarios/types.ts';

/** Random distinct indices in [0, range). */
function sample(range: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(range, count)) picked.add(Math.floor(Math.random() * range));
  return [...picked];
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

const log = (store: StoreKind, text: string) => process.stderr.write(`[${store}] ${text}\n`);

/** One store's run: a throwaway database, the server in its own process, the seed, then each scenario in turn. */
export async function benchStore(kind: StoreKind, options: BenchOptions, scenarios: readonly Scenario[], profileDir: string | undefined): Promise<StoreReport> {
  const database = await createBenchDatabase(kind, options.pgAdminUrl);
  const drop = async () => {
    if (!options.keep) return database.drop();
    log(kind, `kept: ${database.databaseUrl ?? database.dataDir} (PORTICO_DATA_DIR ${database.dataDir}; PORTICO_ENCRYPTION_KEYS as printed below)`);
  };
  const dropDatabase = onCleanup(() => drop());
  const encryptionKeys = SecretBox.generateKeySpec();
  const store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, sqliteSynchronous: 'normal' });
  let server: Service | undefined;
  let stopServer: () => void = () => undefined;
  try {
    await migrateToLatest(store);
    const created = await createBenchProject(store);
    server = await startPortico({ dataDir: database.dataDir, databaseUrl: database.databaseUrl, encryptionKeys, cpuProfileDir: profileDir });
    const running = server;
    stopServer = onCleanup(() => running.stop());
    log(kind, `server ${server.url} (pid ${server.meter.pid}); seeding the bench project through the Admin API`);
    const project = await seedThroughApi(server.url, created);
    if (options.keep) log(kind, `project ${project.projectId}, API key ${project.apiKey}, PORTICO_ENCRYPTION_KEYS ${encryptionKeys}`);
    const sdkUrl = `${server.url}/projects/${project.projectId}/sdk`;
    const warmToken = await signUserToken({ privateKeyPem: project.privateKeyPem, projectId: project.projectId, userId: BENCH_USER, ttlSeconds: 3 * 3600 });

    let population: PopulationSeed | undefined;

    const tokenCacheSize = loadConfig({ PORTICO_TOKEN_CACHE_SIZE: process.env.PORTICO_TOKEN_CACHE_SIZE }).tokenCacheSize;
    const poolSize = tokenCacheSize + Math.max(2000, Math.ceil(tokenCacheSize / 5));
    const ctx: ScenarioContext = {
      options,
      storeKind: kind,
      store,
      server,
      project,
      sdkUrl,
      warmToken,
      load: { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds },
      coldTokens: once(async () => {
        const requests = Array.from({ length: poolSize }, (_, n) => ({ sub: BENCH_USER, jti: `cold-${n}` }));
        return new TokenCycle(await signTokens(project, requests, `signing ${poolSize.toLocaleString('en-US')} cold tokens`));
      }),
      populationTokens: once(async () => {
        const wanted = options.quick ? poolSize : Math.max(poolSize, 50_000);
        const requests = sample(options.populationUsers, wanted).map((index) => ({ sub: populationUserId(index) }));
        return new TokenCycle(await signTokens(project, requests, `signing ${requests.length.toLocaleString('en-US')} population tokens`));
      }),
    };

    const results: ScenarioReport[] = [];
    for (const scenario of scenarios) {
      // Seeded just before the first scenario that needs it, so the others run on a small database
      // and a bench process not yet busy with a million rows.
      if (scenario.population && !population) {
        population = await seedPopulation(store, new SecretBox(encryptionKeys), project, options.populationUsers);
      }
      log(kind, `${scenario.name}: ${scenario.description}`);
      const measured = await scenario.run(ctx);
      results.push({ name: scenario.name, description: scenario.description, ...measured });
      const latency = measured.p99Ms === undefined ? '' : `, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, errors ${measured.errors}, peak RSS ${measured.peakRssMb} MB`;
      log(kind, `  -> ${measured.perSecond.toLocaleString('en-US')} ${measured.unit}${latency}`);
    }
    return { store: kind, population, scenarios: withRatios(results) };
  } finally {
    await server?.stop();
    stopServer();
    await store.close();
    await drop();
    dropDatabase();
  }
}
