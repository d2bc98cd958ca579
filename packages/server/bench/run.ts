/**
 * `npm run bench -- [--store sqlite|postgres] [--scenario NAME] [--quick]`: seeds its own data,
 * loads each scenario over loopback with autocannon, prints a table and writes a JSON report.
 * See docs/performance.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCleanupOnSignals } from './cleanup.ts';
import { describeMachine } from './machine.ts';
import { parseOptions, USAGE, UsageError } from './options.ts';
import { formatStore, formatTargets, targetsOf, writeReport, type BenchReport, type StoreReport } from './report.ts';
import { selectScenarios } from './scenarios/index.ts';
import { benchStore } from './store-run.ts';

async function main(): Promise<number> {
  let options;
  let scenarios;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    scenarios = selectScenarios(options.scenarios);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  runCleanupOnSignals();
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  process.stderr.write(
    `Portico benchmark${options.quick ? ' (quick)' : ''}: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadAverage}\n` +
      `stores ${options.stores.join(', ')}; scenarios ${scenarios.map((s) => s.name).join(', ')}; ${options.connections} connections, ${options.durationSeconds} s (+${options.warmupSeconds} s warm-up) each\n`,
  );

  const stores: StoreReport[] = [];
  for (const store of options.stores) {
    const profileDir = options.cpuProfile ? path.join(options.outDir, 'profiles', `${store}-${startedAt.replace(/[:.]/g, '-')}`) : undefined;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const report = await benchStore(store, options, scenarios, profileDir);
    stores.push(report);
    process.stdout.write(formatStore(report));
    if (profileDir) process.stderr.write(`CPU profile of the ${store} server: ${profileDir}\n`);
  }

  const { outDir: _outDir, pgAdminUrl: _pgAdminUrl, ...recorded } = options;
  const report: BenchReport = { startedAt, finishedAt: new Date().toISOString(), machine, options: recorded, stores, targets: targetsOf(stores) };
  process.stdout.write(formatTargets(report.targets));
  const file = writeReport(options.outDir, report);
  process.stdout.write(`\nReport: ${path.relative(process.cwd(), file)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
