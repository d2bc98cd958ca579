import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SharedRateLimiter } from '../src/platform/ratelimit/index.ts';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore } from '../src/domain/database.ts';
import { STORES, createTestDatabase, startPortico, type Portico } from './harness.ts';

const LIMITS = { PORTICO_RATE_LIMIT_API_KEY: '6', PORTICO_RATE_LIMIT_USER: '5', PORTICO_RATE_LIMIT_WINDOW_SECONDS: '3600' };

/** Per API key and per Connected User request limits, fixed windows, 429 RATE_LIMITED with Retry-After. */
describe.each(STORES)('rate limits (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { config: LIMITS });
  });
  afterAll(() => portico.close());

  const asUser = async (app: FastifyInstance, sub: string) => app.inject({
    method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${await portico.token(sub)}` },
  });
  const asKey = (app: FastifyInstance, key: string) => app.inject({
    method: 'GET', url: `/api/v1/projects/${portico.project.projectId}/users?limit=1`, headers: { authorization: `Bearer ${key}` },
  });

  it('answers 429 RATE_LIMITED with Retry-After once a Connected User passes the limit, and counts each user apart', async () => {
    for (let i = 0; i < 5; i++) { const r = await asUser(portico.app, 'busy'); expect(r.statusCode, r.body).toBe(200); }
    const refused = await asUser(portico.app, 'busy');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429, meta: { limit: 5, windowSeconds: 3600, subject: 'user' } });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // A browser page may read Retry-After across origins.
    const cors = await portico.app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${await portico.token('busy')}`, origin: 'https://app.example.com' } });
    expect(cors.statusCode).toBe(429);
    expect(String(cors.headers['access-control-expose-headers'])).toMatch(/Retry-After/i);
    // Other routes of the same user are refused too; another user is not.
    expect((await portico.connect('busy', 'GET', '/sdk/integrations')).statusCode).toBe(429);
    expect((await asUser(portico.app, 'calm')).statusCode).toBe(200);
    const metrics = (await portico.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/portico_rate_limited_total\{subject="user"\} [1-9]/);
  });

  it('limits each API key on the Admin API', async () => {
    const key = (await portico.admin('POST', '/api-keys', { name: 'batch', scopes: ['users:read'] })).json().key as string;
    for (let i = 0; i < 6; i++) expect((await asKey(portico.app, key)).statusCode).toBe(200);
    const refused = await asKey(portico.app, key);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', meta: { limit: 6, subject: 'api_key' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The project's admin key has its own count (the earlier admin calls of this suite: 1).
    expect((await portico.admin('GET', '/users?limit=1')).statusCode).toBe(200);
  });

  it.runIf(kind === 'postgres')('holds the limit across two nodes on one database', async () => {
    const second = await portico.startSecondNode();
    try {
      const nodes = [portico.app, second.app];
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await asUser(nodes[i % 2]!, 'roaming')).statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);

      const key = (await portico.admin('POST', '/api-keys', { name: 'two nodes', scopes: ['users:read'] })).json().key as string;
      const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => asKey(nodes[i % 2]!, key)));
      expect(concurrent.filter((r) => r.statusCode === 200)).toHaveLength(6);
      expect(concurrent.filter((r) => r.statusCode === 429)).toHaveLength(14);
    } finally {
      await second.close();
    }
  });
});

describe.each(STORES)('rate limit windows (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_RATE_LIMIT_USER: '2', PORTICO_RATE_LIMIT_WINDOW_SECONDS: '1' } });
  });
  afterAll(() => portico.close());

  it('lets the user in again when the window ends', async () => {
    const call = () => portico.connect('again', 'GET', '/sdk/me');
    let refused = await call();
    for (let i = 0; i < 5 && refused.statusCode !== 429; i++) refused = await call();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call()).statusCode).toBe(200);
  });

  it('is off with a limit of 0', async () => {
    const unlimited = await startPortico(kind, { config: { PORTICO_RATE_LIMIT_USER: '0', PORTICO_RATE_LIMIT_API_KEY: '0' } });
    try {
      for (let i = 0; i < 30; i++) expect((await unlimited.connect('free', 'GET', '/sdk/me')).statusCode).toBe(200);
    } finally {
      await unlimited.close();
    }
  });
});

describe.runIf(STORES.includes('postgres'))('shared rate limit slices (postgres)', () => {
  it('a window\'s first slice costs the database nothing; the next reservation counts it, and the limit holds', async () => {
    const database = await createTestDatabase('postgres');
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      await migrateToLatest(store);
      const rows = async () => (await sql<{ used: number }>`select used from rate_limit_windows`.execute(store.db)).rows.map((r) => Number(r.used));
      const limiter = new SharedRateLimiter(store.db, 3_600_000);
      // Limit 40: slices of 2. Two requests spend the free slice: no row yet.
      for (let i = 0; i < 2; i++) expect((await limiter.take('quiet', 40)).allowed).toBe(true);
      expect(await rows()).toEqual([]);
      // The third reserves: the two spent plus a new slice of two.
      expect((await limiter.take('quiet', 40)).allowed).toBe(true);
      expect(await rows()).toEqual([4]);
      // Two nodes spending one bucket: together at most the limit plus one free slice each.
      const other = new SharedRateLimiter(store.db, 3_600_000);
      let allowed = 3;
      for (let i = 0; i < 100; i++) if ((await (i % 2 ? other : limiter).take('quiet', 40)).allowed) allowed++;
      expect(allowed).toBeGreaterThanOrEqual(40);
      expect(allowed).toBeLessThanOrEqual(42);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

describe.runIf(STORES.includes('postgres'))('rate limits without their table (postgres)', () => {
  it('fail open: a counter the database cannot give does not refuse the request', async () => {
    const database = await createTestDatabase('postgres');
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      const limiter = new SharedRateLimiter(store.db, 60_000);
      for (let i = 0; i < 3; i++) expect((await limiter.take('bucket', 1)).allowed).toBe(true);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
