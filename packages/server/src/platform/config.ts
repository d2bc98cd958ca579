import os from 'node:os';
import path from 'node:path';

/**
 * Everything Portico reads from its environment. This file is the only reader of `process.env`;
 * the rest of the code receives a frozen `Config`.
 */
export interface Config {
  /** TCP port of the HTTP server. @default 3000 */
  readonly port: number;
  /** Interface to bind. @default "127.0.0.1" @example "0.0.0.0" */
  readonly host: string;
  /** Directory for the embedded SQLite database, generated secrets and demo keys. @default "./data" */
  readonly dataDir: string;
  /** PostgreSQL connection string; when set, Portico uses PostgreSQL instead of embedded SQLite. */
  readonly databaseUrl: string | undefined;
  /**
   * Versioned AES-256-GCM keys for secrets at rest, newest first: `v2:<base64>,v1:<base64>`.
   * Required with PostgreSQL; generated into the data directory for the embedded store.
   */
  readonly encryptionKeys: string | undefined;
  /** pino log level. @default "info" */
  readonly logLevel: string;
  /** Origins allowed by CORS for the Connect API; `*` reflects any origin. @default "*" */
  readonly corsOrigins: readonly string[];
  /** How long a node trusts its cached project state (signing keys, integrations). @default 5000 */
  readonly projectCacheTtlMs: number;
  /** Number of verified user tokens kept in memory. @default 10000 */
  readonly tokenCacheSize: number;
  /** Allowed clock skew when checking `exp`, `nbf` and `iat`, in seconds. @default 30 */
  readonly clockSkewSeconds: number;
  /** SQLite `synchronous` pragma: `full` fsyncs every commit, `normal` survives process crashes only. @default "full" */
  readonly sqliteSynchronous: 'full' | 'normal';
  /** PostgreSQL: run the hottest reads as named prepared statements (off behind a transaction-mode connection pooler). */
  readonly pgPreparedStatements: boolean;
  /** Largest request body accepted, in bytes. @default 1048576 */
  readonly bodyLimitBytes: number;
  /** Time allowed for a whole request before the socket is closed, in ms. @default 30000 */
  readonly requestTimeoutMs: number;
  /**
   * Time allowed for a client to send its complete request headers, in ms; slow-header (slowloris)
   * clients are answered 408 and disconnected after it. At most `requestTimeoutMs`. @default 10000
   */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms. @default 72000 */
  readonly keepAliveTimeoutMs: number;
  /** Largest total size of a request's headers, in bytes; larger ones are answered 431. @default 16384 */
  readonly maxHeaderBytes: number;
  /** Most simultaneous TCP connections; further connections are dropped until one closes. @default 10000 */
  readonly maxConnections: number;
  /** Requests served on one keep-alive connection before it is closed; 0 means no limit. @default 0 @example 1000 */
  readonly maxRequestsPerSocket: number;
  /**
   * The URL end users' browsers reach Portico at; OAuth redirect URIs are built from it
   * (`{publicUrl}/oauth`). @default "http://{host}:{port}" @example "https://portico.example.com"
   */
  readonly publicUrl: string;
  /**
   * Hosts every outbound request (OAuth, proxy, workflow steps, webhooks) may reach even on a
   * loopback or private address: host names, IPs or CIDR ranges, comma-separated. @default [] @example "127.0.0.1,crm.internal"
   */
  readonly outboundAllowHosts: readonly string[];
  /** Largest request body the Connect proxy passes on to an integration's API, in bytes; larger ones are answered 413. @default 10485760 */
  readonly proxyMaxRequestBytes: number;
  /** Largest answer the Connect proxy reads from an integration's API, in bytes; larger ones are answered 502. @default 10485760 */
  readonly proxyMaxResponseBytes: number;
  /**
   * Time the Connect proxy waits for an integration's complete answer, per attempt, in ms; then 504.
   * At most `requestTimeoutMs` (an idle client connection is closed a little after that). @default 25000
   */
  readonly proxyTimeoutMs: number;
  /**
   * Requests with a JSON body over 16 KiB that one Connected User may have in progress at once;
   * more are answered 429 before their body is parsed, so one user cannot fill the event loop with
   * parsing. @default 4
   */
  readonly userLargeBodiesInFlight: number;
  /** Requests with a JSON body over 16 KiB that one Connected User may start per second (burst: as many). @default 10 */
  readonly userLargeBodiesPerSecond: number;
  /**
   * How long an OAuth connection may take, from the SDK's popup opening to the provider redirecting
   * back to `{publicUrl}/oauth`; the state and the CSRF cookie expire after it. @default 600
   */
  readonly oauthFlowTtlSeconds: number;
  /** This node's name in job leases, logs and selftest reports; unique per running process. @default "<hostname>-<pid>" */
  readonly nodeId: string;
  /** Whether `portico serve` also runs job workers (`--no-worker` turns them off). @default true */
  readonly worker: boolean;
  /** How long an idle worker waits before looking for due jobs again, in ms; it re-polls at once while it finds work. @default 1000 */
  readonly jobPollIntervalMs: number;
  /** Most jobs one node runs at once. @default 8 */
  readonly jobConcurrency: number;
  /**
   * Job lease, in ms: a job whose worker stops renewing it (the process died) runs again elsewhere
   * after this long. Renewed every third of it while the job runs. @default 30000
   */
  readonly jobLeaseMs: number;
  /** How long a stopping node waits for running jobs before handing them back, in ms. @default 10000 */
  readonly jobDrainTimeoutMs: number;
  /** Days succeeded jobs are kept. @default 7 */
  readonly jobKeepSucceededDays: number;
  /** Most workflow runs of one project executing at once, across nodes; more wait in QUEUED. @default 20 */
  readonly workflowConcurrency: number;
  /** How long a Request trigger waits for its Response step before answering 542, in ms. @default 55000 */
  readonly requestTriggerWaitMs: number;
  /** Deadline of one workflow HTTP step, in ms. @default 30000 */
  readonly workflowStepTimeoutMs: number;
  /** Days dead jobs (failed their last attempt) are kept. @default 30 */
  readonly jobKeepDeadDays: number;
  /** Length of a rate-limit window, in seconds (fixed windows). @default 60 */
  readonly rateLimitWindowSeconds: number;
  /**
   * Admin API requests one API key may make per window, across every node; 0 turns the limit off.
   * @default 6000
   */
  readonly rateLimitApiKey: number;
  /**
   * Connect API requests one Connected User may make per window, across every node; 0 turns the limit off.
   * @default 1200
   */
  readonly rateLimitUser: number;
  /** Days finished workflow executions (Task History) are kept. @default 90 */
  readonly executionRetentionDays: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}; got "${raw}".`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${env[name]}".`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${env[name]}".`);
  }
  return raw as T;
}

function publicUrl(env: Env, overrides: ConfigOverrides): string {
  const raw = env.PORTICO_PUBLIC_URL;
  if (raw === undefined || raw === '') {
    const host = overrides.host ?? (env.HOST || '127.0.0.1');
    const port = overrides.port ?? (env.PORT || '3000');
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PORTICO_PUBLIC_URL must be an absolute http(s) URL such as https://portico.example.com; got "${raw}".`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ConfigError(`PORTICO_PUBLIC_URL must be an http(s) URL without query or fragment, such as https://portico.example.com; got "${raw}".`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Values given on the command line win over the environment. */
export type ConfigOverrides = Partial<Pick<Config, 'port' | 'host' | 'dataDir' | 'databaseUrl' | 'logLevel' | 'worker'>>;

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Config {
  const databaseUrl = overrides.databaseUrl ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL must be a PostgreSQL URL such as postgres://user@127.0.0.1:5432/portico; got "${databaseUrl.replace(/:[^:@/]*@/, ':***@')}". Unset it to use embedded SQLite.`,
    );
  }
  const config: Config = {
    port: overrides.port ?? integer(env, 'PORT', 3000, 0, 65535),
    host: overrides.host ?? (env.HOST || '127.0.0.1'),
    dataDir: path.resolve(overrides.dataDir ?? (env.PORTICO_DATA_DIR || './data')),
    databaseUrl,
    encryptionKeys: env.PORTICO_ENCRYPTION_KEYS || undefined,
    logLevel: overrides.logLevel ?? (env.LOG_LEVEL || 'info'),
    corsOrigins: (env.PORTICO_CORS_ORIGINS || '*').split(',').map((o) => o.trim()).filter(Boolean),
    projectCacheTtlMs: integer(env, 'PORTICO_PROJECT_CACHE_TTL_MS', 5000, 0, 3_600_000),
    tokenCacheSize: integer(env, 'PORTICO_TOKEN_CACHE_SIZE', 10_000, 0, 10_000_000),
    clockSkewSeconds: integer(env, 'PORTICO_CLOCK_SKEW_SECONDS', 30, 0, 600),
    sqliteSynchronous: oneOf(env, 'PORTICO_SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, 'full'),
    pgPreparedStatements: oneOf(env, 'PORTICO_PG_PREPARED_STATEMENTS', ['on', 'off'] as const, 'on') === 'on',
    bodyLimitBytes: integer(env, 'PORTICO_BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    requestTimeoutMs: integer(env, 'PORTICO_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    headersTimeoutMs: integer(env, 'PORTICO_HEADERS_TIMEOUT_MS', 10_000, 500, 600_000),
    keepAliveTimeoutMs: integer(env, 'PORTICO_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000),
    maxHeaderBytes: integer(env, 'PORTICO_MAX_HEADER_BYTES', 16_384, 4096, 1_048_576),
    maxConnections: integer(env, 'PORTICO_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    maxRequestsPerSocket: integer(env, 'PORTICO_MAX_REQUESTS_PER_SOCKET', 0, 0, 1_000_000),
    publicUrl: publicUrl(env, overrides),
    outboundAllowHosts: (env.PORTICO_OUTBOUND_ALLOW_HOSTS || '').split(',').map((h) => h.trim()).filter(Boolean),
    userLargeBodiesInFlight: integer(env, 'PORTICO_USER_LARGE_BODIES_IN_FLIGHT', 4, 1, 10_000),
    userLargeBodiesPerSecond: integer(env, 'PORTICO_USER_LARGE_BODIES_PER_SECOND', 10, 1, 1_000_000),
    proxyMaxRequestBytes: integer(env, 'PORTICO_PROXY_MAX_REQUEST_BYTES', 10 * 1_048_576, 1024, 256 * 1_048_576),
    proxyMaxResponseBytes: integer(env, 'PORTICO_PROXY_MAX_RESPONSE_BYTES', 10 * 1_048_576, 1024, 256 * 1_048_576),
    // By default just inside the request timeout, so a server configured for short requests still starts.
    proxyTimeoutMs: integer(env, 'PORTICO_PROXY_TIMEOUT_MS', Math.min(25_000, integer(env, 'PORTICO_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000)), 100, 600_000),
    oauthFlowTtlSeconds: integer(env, 'PORTICO_OAUTH_FLOW_TTL_SECONDS', 600, 60, 3600),
    nodeId: env.PORTICO_NODE_ID || `${os.hostname()}-${process.pid}`,
    worker: overrides.worker ?? boolean(env, 'PORTICO_WORKER', true),
    jobPollIntervalMs: integer(env, 'PORTICO_JOB_POLL_INTERVAL_MS', 1000, 10, 60_000),
    jobConcurrency: integer(env, 'PORTICO_JOB_CONCURRENCY', 8, 1, 1000),
    jobLeaseMs: integer(env, 'PORTICO_JOB_LEASE_MS', 30_000, 1000, 3_600_000),
    jobDrainTimeoutMs: integer(env, 'PORTICO_JOB_DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
    jobKeepSucceededDays: integer(env, 'PORTICO_JOB_KEEP_SUCCEEDED_DAYS', 7, 0, 3650),
    jobKeepDeadDays: integer(env, 'PORTICO_JOB_KEEP_DEAD_DAYS', 30, 0, 3650),
    rateLimitWindowSeconds: integer(env, 'PORTICO_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    rateLimitApiKey: integer(env, 'PORTICO_RATE_LIMIT_API_KEY', 6000, 0, 100_000_000),
    rateLimitUser: integer(env, 'PORTICO_RATE_LIMIT_USER', 1200, 0, 100_000_000),
    workflowConcurrency: integer(env, 'PORTICO_WORKFLOW_CONCURRENCY', 20, 1, 10_000),
    requestTriggerWaitMs: integer(env, 'PORTICO_REQUEST_TRIGGER_WAIT_MS', 55_000, 100, 600_000),
    workflowStepTimeoutMs: integer(env, 'PORTICO_WORKFLOW_STEP_TIMEOUT_MS', 30_000, 100, 600_000),
    executionRetentionDays: integer(env, 'PORTICO_EXECUTION_RETENTION_DAYS', 90, 1, 3650),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `PORTICO_HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed PORTICO_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}); lower the first or raise the second.`,
    );
  }
  if (config.proxyTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `PORTICO_PROXY_TIMEOUT_MS (${config.proxyTimeoutMs}) must not exceed PORTICO_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}): the client's idle connection would be closed before the integration answers. Lower the first or raise the second.`,
    );
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(config.logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${levels.join(', ')}; got "${config.logLevel}".`);
  }
  return Object.freeze(config);
}

/** The configuration of this process: its environment, then command-line overrides. */
export function loadProcessConfig(overrides: ConfigOverrides = {}): Config {
  return loadConfig(process.env, overrides);
}
