import type { StoreKind } from './options.ts';

/** The performance targets (product spec section 8), checked against every run. */
export interface Target {
  label: string;
  store: StoreKind;
  /** Worst value over these scenarios counts. */
  scenarios: string[];
  metric: 'ratio' | 'perSecond' | 'p99Ms' | 'peakRssMb';
  op: '>=' | '<';
  threshold: number;
}

export const TARGETS: readonly Target[] = [
  { label: 'GET /sdk/me warm >= 0.5x baseline (SQLite)', store: 'sqlite', scenarios: ['me-warm'], metric: 'ratio', op: '>=', threshold: 0.5 },
  { label: 'GET /sdk/me warm p99 < 10 ms at 50 connections (SQLite)', store: 'sqlite', scenarios: ['me-warm'], metric: 'p99Ms', op: '<', threshold: 10 },
  { label: 'GET /sdk/me warm >= 0.35x baseline (PostgreSQL)', store: 'postgres', scenarios: ['me-warm'], metric: 'ratio', op: '>=', threshold: 0.35 },
  { label: 'GET /sdk/me random users (cache misses) >= 0.25x baseline (SQLite)', store: 'sqlite', scenarios: ['population-me'], metric: 'ratio', op: '>=', threshold: 0.25 },
  { label: 'PATCH /sdk/me >= 5,000/s, durable commits (SQLite)', store: 'sqlite', scenarios: ['me-patch'], metric: 'perSecond', op: '>=', threshold: 5000 },
  { label: 'Server peak RSS < 250 MB serving the population (SQLite)', store: 'sqlite', scenarios: ['population-me', 'population-patch'], metric: 'peakRssMb', op: '<', threshold: 250 },
  { label: 'Server peak RSS < 250 MB serving the population (PostgreSQL)', store: 'postgres', scenarios: ['population-me', 'population-patch'], metric: 'peakRssMb', op: '<', threshold: 250 },
  // Foundations issue.
  { label: 'GET /sdk/me warm >= 0.7x baseline (PostgreSQL)', store: 'postgres', scenarios: ['me-warm'], metric: 'ratio', op: '>=', threshold: 0.7 },
  { label: 'GET /sdk/integrations >= 0.5x baseline (SQLite)', store: 'sqlite', scenarios: ['integrations'], metric: 'ratio', op: '>=', threshold: 0.5 },
  { label: 'GET /sdk/integrations >= 0.5x baseline (PostgreSQL)', store: 'postgres', scenarios: ['integrations'], metric: 'ratio', op: '>=', threshold: 0.5 },
  { label: 'GET /sdk/me random users >= 0.25x baseline (PostgreSQL)', store: 'postgres', scenarios: ['population-me'], metric: 'ratio', op: '>=', threshold: 0.25 },
  { label: 'PATCH /sdk/me >= 2,000/s (PostgreSQL)', store: 'postgres', scenarios: ['me-patch'], metric: 'perSecond', op: '>=', threshold: 2000 },
  // Support and operations API: user search at the seeded population (1,000,000 users by default).
  { label: 'User search p99 < 50 ms: email, name prefix, metadata (SQLite)', store: 'sqlite', scenarios: ['search-email', 'search-prefix', 'search-meta'], metric: 'p99Ms', op: '<', threshold: 50 },
  { label: 'User search p99 < 50 ms: email, name prefix, metadata (PostgreSQL)', store: 'postgres', scenarios: ['search-email', 'search-prefix', 'search-meta'], metric: 'p99Ms', op: '<', threshold: 50 },
];

export interface TargetOutcome {
  label: string;
  measured: number | null;
  met: boolean | null;
}

type Lookup = (store: StoreKind, scenario: string, metric: Target['metric']) => number | undefined;

export function checkTargets(lookup: Lookup): TargetOutcome[] {
  return TARGETS.map((target) => {
    const values = target.scenarios.map((s) => lookup(target.store, s, target.metric)).filter((v): v is number => v !== undefined);
    if (values.length === 0) return { label: target.label, measured: null, met: null };
    const worst = target.op === '>=' ? Math.min(...values) : Math.max(...values);
    return { label: target.label, measured: worst, met: target.op === '>=' ? worst >= target.threshold : worst < target.threshold };
  });
}
