import fs from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine.ts';
import type { BenchOptions, StoreKind } from './options.ts';
import type { PopulationSeed } from './seed-population.ts';
import type { Measurement } from './scenarios/types.ts';
import { checkTargets, type TargetOutcome } from './targets.ts';

export interface ScenarioReport extends Measurement {
  name: string;
  description: string;
  /** Throughput relative to the baseline measured in the same store run. */
  ratio?: number | undefined;
}

export interface StoreReport {
  store: StoreKind;
  population?: PopulationSeed | undefined;
  scenarios: ScenarioReport[];
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'outDir' | 'pgAdminUrl'>;
  stores: StoreReport[];
  targets: TargetOutcome[];
}

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function withRatios(scenarios: ScenarioReport[]): ScenarioReport[] {
  const base = scenarios.find((s) => s.name === 'baseline')?.perSecond;
  return scenarios.map((s) => ({ ...s, ratio: s.comparable && base ? Math.round((s.perSecond / base) * 1000) / 1000 : undefined }));
}

export function targetsOf(stores: readonly StoreReport[]): TargetOutcome[] {
  return checkTargets((store, scenario, metric) => {
    const found = stores.find((s) => s.store === store)?.scenarios.find((s) => s.name === scenario);
    return found?.[metric];
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n');
}

export function formatStore(report: StoreReport): string {
  const header = ['scenario', 'throughput', 'ratio', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB', 'CPU %'];
  const rows = report.scenarios.map((s) => [
    s.name,
    `${fmt(s.perSecond)} ${s.unit}`,
    s.ratio === undefined ? '-' : `${s.ratio.toFixed(2)}x`,
    fmt(s.p50Ms, 2),
    fmt(s.p99Ms, 2),
    fmt(s.errors),
    fmt(s.peakRssMb, 1),
    fmt(s.cpuPercent),
  ]);
  const seed = report.population
    ? `\npopulation: ${fmt(report.population.users)} users seeded in ${report.population.seconds} s (${fmt(report.population.rowsPerSecond)} rows/s)`
    : '';
  return `\n== ${report.store} ==\n${table([header, ...rows])}${seed}\n`;
}

export function formatTargets(outcomes: readonly TargetOutcome[]): string {
  const lines = outcomes.map((t) => `  ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.label}${t.measured === null ? '' : `  (measured ${fmt(t.measured, 2)})`}`);
  return `\nTargets:\n${lines.join('\n')}\n`;
}

export function writeReport(outDir: string, report: BenchReport): string {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.join(outDir, `bench-${stamp}${report.options.quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
