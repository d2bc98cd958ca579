import type { AppStore as Store } from '../../src/domain/database.ts';
import type { LoadResult, LoadSpec } from '../load.ts';
import type { BenchOptions, StoreKind } from '../options.ts';
import type { Service } from '../processes.ts';
import type { BenchProject } from '../seed-project.ts';
import type { TokenCycle } from '../tokens.ts';

/** What a scenario gets: a running server with the bench project seeded, and lazily built token pools. */
export interface ScenarioContext {
  options: BenchOptions;
  storeKind: StoreKind;
  /** The bench process's own connection to the store (seeding, in-process measurements). */
  store: Store;
  server: Service;
  project: BenchProject;
  /** `{server}/projects/{projectId}/sdk` */
  sdkUrl: string;
  /** A token of the bench user that the server has already verified and cached. */
  warmToken: string;
  /** Distinct tokens of the bench user, more than the server's token cache holds. */
  coldTokens(): Promise<TokenCycle>;
  /** Tokens of random population users, more than the server's token cache holds. */
  populationTokens(): Promise<TokenCycle>;
  /** The defaults every HTTP scenario uses (connections, durations). */
  load: Pick<LoadSpec, 'connections' | 'durationSeconds' | 'warmupSeconds'>;
}

export interface Measurement {
  /** Requests (or operations) per second. */
  perSecond: number;
  unit: 'req/s' | 'verifies/s' | 'deliveries/s';
  p50Ms?: number | undefined;
  p99Ms?: number | undefined;
  errors?: number | undefined;
  /** Peak RSS of the process under test during the measured run. */
  peakRssMb?: number | undefined;
  /** CPU of the process under test, in % of one core. */
  cpuPercent?: number | undefined;
  /** True for the HTTP scenarios whose throughput is compared with the baseline. */
  comparable: boolean;
  details?: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** One line: what is measured and how. */
  description: string;
  /** Needs the Connected User population seeded first. */
  population?: boolean;
  run(ctx: ScenarioContext): Promise<Measurement>;
}

/** A Measurement of an HTTP load run; the throughput is compared with the baseline. */
export function fromLoad(result: LoadResult, details: Record<string, unknown> = {}): Measurement {
  return {
    perSecond: result.requestsPerSecond,
    unit: 'req/s',
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    peakRssMb: result.peakRssMb,
    cpuPercent: result.cpuPercent,
    comparable: true,
    details: { requests: result.requests, statusCodes: result.statusCodes, ...details },
  };
}
