import type { Config } from '../platform/config.ts';
import type { SecretBox } from '../platform/crypto/secret-box.ts';
import { createEventBus, notifyChange, type PgChangeNotifier } from '../platform/events/index.ts';
import { createJobs, describeError, jsonLineLogger, type JobQueue } from '../platform/jobs/index.ts';
import { createOutboundClient, type OutboundClient } from '../platform/net/outbound.ts';
import { createMetricsRegistry, type Registry } from '../platform/metrics/registry.ts';
import { registerStoreMetrics } from '../platform/db/store.metrics.ts';
import { registerCacheMetrics } from './cache.metrics.ts';
import { systemClock, type Clock } from '../platform/time/clock.ts';
import { createRateLimiter, type RateLimiter } from '../platform/ratelimit/index.ts';
import type { AppStore as Store, Database } from './database.ts';
import type { DomainEvents, PorticoEvents } from './events.ts';
import { ApiKeyCache, ProjectCache } from './projects/index.ts';
import { UserTokenVerifier } from './user-tokens/index.ts';
import { registerCredentialRefresher, registerCredentialRevocation, registerOAuthFlowPruning } from './connections/index.ts';
import { ActivityWrites, MetaLists, SdkMeCache, SearchCounts, UserMetaWrites, registerSecretMetaRewrite } from './users/index.ts';
import { registerWebhooks } from './webhooks/index.ts';
import { registerWorkflows } from './runs/index.ts';
import { registerExecutionRetention } from './workflows/index.ts';

/** The services every module receives; built once per process by `createContext`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretBox;
  /** Domain events: the outbox every change writes to, and the notices caches listen to. */
  readonly events: DomainEvents;
  readonly projects: ProjectCache;
  /** Admin API keys by hash; `invalidate(projectId)` after a key change. */
  readonly apiKeys: ApiKeyCache;
  readonly tokens: UserTokenVerifier;
  readonly sdkMeCache: SdkMeCache;
  /**
   * A write changed what a user's answers show without a domain event (a token renewal): drops
   * them here and, on PostgreSQL, on every other node (a NOTIFY outside the outbox). Never throws.
   */
  userAnswersChanged(projectId: string, sub: string): Promise<void>;
  /** User search totals and metadata list lengths, kept until a change in the project. */
  readonly searchCounts: SearchCounts;
  /** User ids of metadata values that search counts intersect in memory (decision 49). */
  readonly metaLists: MetaLists;
  /** Metadata patches, batched per user. */
  readonly userMetaWrites: UserMetaWrites;
  /** Users' last-activity times, written behind in batches (flushed by `close()`). */
  readonly activity: ActivityWrites;
  /** Every outbound HTTP request goes through it (SSRF guard, PORTICO_OUTBOUND_ALLOW_HOSTS). */
  readonly outbound: OutboundClient;
  /** Prometheus metrics of this process, served at `GET /metrics`. */
  readonly metrics: Registry;
  /** Durable jobs; workers run only once `jobs.start()` is called (`portico serve`, `portico worker`). */
  readonly jobs: JobQueue;
  /** Time for deadlines tests move without sleeping (OAuth flow and CSRF-cookie expiry). */
  readonly clock: Clock;
  /** Per API key and per Connected User request limits (shared across PostgreSQL nodes). */
  readonly rateLimiter: RateLimiter;
  /** Stops listening and closes the store (stop the job workers first). */
  close(): Promise<void>;
}

/** What a service that changes data needs: the store, and the events it records its changes with. */
export type ChangeDeps = Pick<AppContext, 'store' | 'events'>;

/**
 * Change dependencies for a short-lived process (the CLI): its events reach the outbox and, on
 * PostgreSQL, every running node through NOTIFY; nobody in this process listens.
 */
export function changeDepsOf(store: Store): ChangeDeps {
  return { store, events: createEventBus<PorticoEvents, Database>({ store, announceBeforeReturning: true }) };
}

/** NOTIFY kind of `userAnswersChanged`: `{p: projectId, u: sub}`. */
const USER_ANSWERS_KIND = 'answers';

export interface ContextOptions {
  /** PostgreSQL: hears the other nodes' changes (started and stopped with the context). */
  notifier?: PgChangeNotifier | undefined;
  onError?: (error: unknown, context: string) => void;
  /** @default the system clock */
  clock?: Clock | undefined;
}

export function createContext(config: Config, store: Store, secrets: SecretBox, options: ContextOptions = {}): AppContext {
  const metrics = createMetricsRegistry();
  registerStoreMetrics(metrics, store);
  const events = createEventBus<PorticoEvents, Database>({ store, notifier: options.notifier, onError: options.onError, metrics });
  const projects = new ProjectCache(store, config.projectCacheTtlMs);
  const apiKeys = new ApiKeyCache(store, config.projectCacheTtlMs);
  const sdkMeCache = new SdkMeCache(store);
  const tokens = new UserTokenVerifier(config.clockSkewSeconds, config.tokenCacheSize);
  registerCacheMetrics(metrics, { user_token: tokens, user_answer: sdkMeCache });
  const searchCounts = new SearchCounts(store);
  const metaLists = new MetaLists(store);
  // A lost activity write is logged, never thrown: the requests it belonged to were answered.
  const activityLog = jsonLineLogger(config.logLevel);
  const activity = new ActivityWrites(store, {
    onError: (error) => (options.onError ? options.onError(error, 'activity') : activityLog('error', 'activity times not written', { error: describeError(error) })),
  });
  const clock = options.clock ?? systemClock;
  const jobs = createJobQueue(config, store, metrics, options.notifier);
  const outbound = createOutboundClient({ allowHosts: config.outboundAllowHosts });
  registerOAuthFlowPruning(jobs, store, clock);
  registerWebhooks({ store, events, jobs, secrets, outbound, clock }, { concurrency: Math.max(1, Math.ceil(config.jobConcurrency / 2)) });
  registerExecutionRetention({ store, jobs, clock, config });
  // Every node drops what a change made stale, whichever node made it.
  events.subscribe('project.changed', (notice) => {
    projects.invalidate(notice.projectId);
    apiKeys.invalidate(notice.projectId);
  });
  events.subscribe('*', (notice) => {
    if (notice.userId !== null) sdkMeCache.invalidateUser(notice.projectId, notice.userId);
    searchCounts.invalidateProject(notice.projectId);
    metaLists.changed(notice.projectId, notice.userId);
  });
  const detachAnswers = options.notifier?.on(USER_ANSWERS_KIND, (message) => {
    if (typeof message.p === 'string' && typeof message.u === 'string') sdkMeCache.invalidateUser(message.p, message.u);
  });
  events.onResync(() => {
    projects.clear();
    apiKeys.clear();
    sdkMeCache.clear();
    searchCounts.clear();
    metaLists.clear();
  });
  const context: AppContext = {
    config,
    store,
    secrets,
    events,
    projects,
    apiKeys,
    tokens,
    sdkMeCache,
    async userAnswersChanged(projectId, sub) {
      sdkMeCache.invalidateUser(projectId, sub);
      if (store.dialect !== 'postgres') return;
      try {
        await notifyChange(store.db, USER_ANSWERS_KIND, { p: projectId, u: sub });
      } catch (error) {
        // The other nodes show the change at their next project-state reload instead.
        if (options.onError) options.onError(error, 'answers notice');
        else activityLog('warn', 'other nodes were not told about a changed answer', { error: describeError(error) });
      }
    },
    searchCounts,
    metaLists,
    userMetaWrites: new UserMetaWrites({ store, events, secrets }),
    activity,
    outbound,
    metrics,
    jobs,
    clock,
    rateLimiter: createRateLimiter(store, config.rateLimitWindowSeconds * 1000, jobs),
    async close() {
      await activity.close();
      outbound.close();
      await events.close();
      detachAnswers?.();
      await options.notifier?.stop();
      await store.close();
    },
  };
  registerCredentialRefresher(context);
  registerCredentialRevocation(context);
  registerWorkflows(context);
  registerSecretMetaRewrite(context);
  return context;
}

/** The node's job queue as configured; the CLI's `jobs` commands use it without the rest of the context. */
export function createJobQueue(config: Config, store: Store, metrics?: Registry, notifier?: PgChangeNotifier): JobQueue {
  return createJobs({
    store,
    notifier,
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
