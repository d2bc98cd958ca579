import type { Config } from './config.ts';
import type { Store } from './db/store.ts';
import type { SecretBox } from './lib/secret-box.ts';
import { UserTokenVerifier } from './modules/auth/user-token.ts';
import { ProjectCache } from './modules/projects/project-cache.ts';
import { SdkMeCache } from './modules/users/sdk-me-cache.ts';
import { createJobs, jsonLineLogger, type JobQueue } from './platform/jobs/index.ts';
import { createMetricsRegistry, type Registry } from './platform/metrics/registry.ts';

/** The services every module receives; built once per process by `createContext`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly projects: ProjectCache;
  readonly tokens: UserTokenVerifier;
  readonly sdkMeCache: SdkMeCache;
  /** Prometheus metrics of this process, served at `GET /metrics`. */
  readonly metrics: Registry;
  /** Durable jobs; workers run only once `jobs.start()` is called (`portico serve`, `portico worker`). */
  readonly jobs: JobQueue;
}

export function createContext(config: Config, store: Store, secrets: SecretBox): AppContext {
  const metrics = createMetricsRegistry();
  return {
    config,
    store,
    secrets,
    projects: new ProjectCache(store, config.projectCacheTtlMs),
    tokens: new UserTokenVerifier(config.clockSkewSeconds, config.tokenCacheSize),
    sdkMeCache: new SdkMeCache(store),
    metrics,
    jobs: createJobQueue(config, store, metrics),
  };
}

/** The node's job queue as configured; the CLI's `jobs` commands use it without the rest of the context. */
export function createJobQueue(config: Config, store: Store, metrics?: Registry): JobQueue {
  return createJobs({
    store,
    nodeId: config.nodeId,
    log: jsonLineLogger(config.logLevel),
    pollIntervalMs: config.jobPollIntervalMs,
    concurrency: config.jobConcurrency,
    leaseMs: config.jobLeaseMs,
    drainTimeoutMs: config.jobDrainTimeoutMs,
    retention: { keepSucceededMs: config.jobKeepSucceededDays * 86_400_000, keepDeadMs: config.jobKeepDeadDays * 86_400_000 },
    ...(metrics ? { registry: metrics } : {}),
  });
}
