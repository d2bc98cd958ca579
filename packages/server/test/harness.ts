import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SignJWT, type JWTPayload } from 'jose';
import { createPrivateKey } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/boot/app.ts';
import { createContext, type AppContext } from '../src/domain/context.ts';
import { loadConfig, type Config } from '../src/platform/config.ts';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { PgChangeNotifier } from '../src/platform/events/index.ts';
import { SecretBox } from '../src/platform/crypto/secret-box.ts';
import type { Clock } from '../src/platform/time/clock.ts';
import { createProject, type CreatedProject } from '../src/domain/projects/index.ts';
import type { Plan } from '../src/domain/projects/index.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** PostgreSQL server the suite creates its throwaway databases on. */
export const PG_ADMIN_URL = process.env.PORTICO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Stores to run every suite against: `PORTICO_TEST_STORES=sqlite,postgres` (default both). Without a
 * reachable PostgreSQL the postgres runs are skipped loudly, except under CI where that is a failure.
 */
export async function testStores(): Promise<StoreKind[]> {
  const wanted = (process.env.PORTICO_TEST_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as StoreKind[];
  if (!wanted.includes('postgres') || (await postgresReachable())) return wanted;
  if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI runs every suite on both stores.`);
  console.warn(`\n!!! PostgreSQL not reachable at ${PG_ADMIN_URL}: SKIPPING the postgres runs of this suite !!!\n`);
  return wanted.filter((s) => s !== 'postgres');
}

export const STORES: StoreKind[] = await testStores();

export interface TestDatabase {
  kind: StoreKind;
  /** DATABASE_URL for postgres; undefined for sqlite. */
  databaseUrl: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh database: a temp directory for SQLite, a randomly named database for PostgreSQL. */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-test-'));
  if (kind === 'sqlite') {
    return { kind, databaseUrl: undefined, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `portico_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A clock tests move by hand: deadlines pass without sleeping. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export const TEST_ENCRYPTION_KEYS = `v1:${Buffer.alloc(32, 7).toString('base64')}`;

export interface Portico {
  kind: StoreKind;
  app: FastifyInstance;
  ctx: AppContext;
  store: Store;
  database: TestDatabase;
  /** The first project, created with the plan asked for. */
  project: CreatedProject;
  createProject(plan?: Plan): Promise<CreatedProject>;
  /** A second node on the same database (its own store, caches and, on PostgreSQL, listener). */
  startSecondNode(): Promise<{ app: FastifyInstance; ctx: AppContext; close(): Promise<void> }>;
  token(sub: string, options?: TokenOptions): Promise<string>;
  /** A Connect API call as user `sub` of the first project (path after /projects/{pid}). */
  connect(sub: string, method: InjectOptions['method'], sdkPath: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** An Admin API call with the first project's API key (path after /api/v1/projects/{pid}). */
  admin(method: InjectOptions['method'], adminPath: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TokenOptions {
  project?: CreatedProject;
  ttlSeconds?: number;
  claims?: JWTPayload;
  aud?: string | null;
  /** Signing key id for the header's `kid`. */
  kid?: string;
}

export async function signToken(project: CreatedProject, sub: string | undefined, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...options.claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) }).setIssuedAt(now).setExpirationTime(now + (options.ttlSeconds ?? 600));
  if (sub !== undefined) jwt.setSubject(sub);
  if (options.aud !== null) jwt.setAudience(options.aud ?? `useparagon.com/${project.projectId}`);
  return jwt.sign(createPrivateKey(project.privateKeyPem));
}

/** One Portico node (context and app, not listening) on an open store; on PostgreSQL it hears the other nodes. */
async function startNode(config: Config, store: Store, clock?: Clock): Promise<{ ctx: AppContext; app: FastifyInstance }> {
  const notifier = config.databaseUrl ? new PgChangeNotifier({ connectionString: config.databaseUrl }) : undefined;
  await notifier?.start();
  const ctx = createContext(config, store, new SecretBox(TEST_ENCRYPTION_KEYS), { notifier, clock });
  const app = await buildApp(ctx);
  await app.ready();
  return { ctx, app };
}

export async function startPortico(kind: StoreKind, options: { plan?: Plan; config?: Record<string, string>; clock?: Clock } = {}): Promise<Portico> {
  const database = await createTestDatabase(kind);
  const config: Config = loadConfig({
    PORTICO_DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl,
    PORTICO_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    // Suites make many requests as one user or key; test/rate-limits.test.ts sets its own limits.
    PORTICO_RATE_LIMIT_USER: '0',
    PORTICO_RATE_LIMIT_API_KEY: '0',
    ...options.config,
  });
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 20 });
  await migrateToLatest(store);
  const { ctx, app } = await startNode(config, store, options.clock);
  const project = await createProject(store, { name: 'Test', plan: options.plan ?? 'enterprise' });

  const portico: Portico = {
    kind,
    app,
    ctx,
    store,
    database,
    project,
    createProject: (plan) => createProject(store, { name: 'Other', plan: plan ?? 'enterprise' }),
    async startSecondNode() {
      const node = await startNode(config, openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), options.clock);
      return { ...node, close: async () => { await node.app.close(); await node.ctx.close(); } };
    },
    token: (sub, tokenOptions) => signToken(tokenOptions?.project ?? project, sub, tokenOptions),
    async connect(sub, method, sdkPath, body, headers = {}) {
      return app.inject({
        method,
        url: `/projects/${project.projectId}${sdkPath}`,
        headers: { authorization: `Bearer ${await portico.token(sub)}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
    admin(method, adminPath, body) {
      return app.inject({
        method,
        url: `/api/v1/projects/${project.projectId}${adminPath}`,
        headers: { authorization: `Bearer ${project.apiKey}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
    async close() {
      await app.close();
      await ctx.close();
      await database.drop();
    },
  };
  return portico;
}

/** Sets up a Salesforce integration with two workflows and an imported credential for `sub`. */
export async function seedSalesforce(portico: Portico, sub: string, credential: Record<string, unknown> = {}) {
  const integration = (await portico.admin('POST', '/integrations', { type: 'salesforce' })).json();
  const onByDefault = (await portico.admin('POST', '/workflows', { name: 'Sync contacts', integration: 'salesforce', defaultEnabled: true })).json();
  const offByDefault = (await portico.admin('POST', '/workflows', { name: 'Create deals', integration: 'salesforce', defaultEnabled: false })).json();
  const imported = await portico.admin('POST', `/users/${encodeURIComponent(sub)}/credentials`, {
    integration: 'salesforce',
    accessToken: 'sf-access-token-SECRET-1',
    refreshToken: 'sf-refresh-token-SECRET-1',
    providerId: '00502000000abc',
    providerData: { instanceURL: 'https://acme.my.salesforce.com' },
    ...credential,
  });
  if (imported.statusCode !== 201) throw new Error(`credential import failed: ${imported.body}`);
  return { integration, onByDefault, offByDefault, credential: imported.json() };
}
