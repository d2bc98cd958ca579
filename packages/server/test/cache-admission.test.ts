import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecondSight } from '../src/platform/cache/second-sight.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

describe('SecondSight', () => {
  it('admits a key the second time it is seen, and forgets marks after `capacity` first sights', () => {
    const door = new SecondSight(100, 1 << 16);
    expect(door.admit('user-1')).toBe(false);
    expect(door.admit('user-1')).toBe(true);
    expect(door.admit('user-1')).toBe(true);
    // 100 other keys seen once wipe the marks: user-2, seen once before them, starts over.
    expect(door.admit('user-2')).toBe(false);
    for (let i = 0; i < 100; i++) door.admit(`other-${i}`);
    expect(door.admit('user-2')).toBe(false);
    expect(door.admit('user-2')).toBe(true);
  });

  it('admits few keys seen only once (false positives of the bit set)', () => {
    const door = new SecondSight(10_000);
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) if (door.admit(`user-${i}`)) admitted++;
    expect(admitted).toBeLessThan(1_000);
  });
});

/** Reads `portico_cache_*_total{cache, result}` from /metrics. */
async function cacheCounts(portico: Portico): Promise<Record<string, number>> {
  const body = (await portico.app.inject({ method: 'GET', url: '/metrics' })).body;
  const counts: Record<string, number> = {};
  for (const match of body.matchAll(/^portico_cache_(lookups|admissions)_total\{cache="([a-z_]+)",result="([a-z_]+)"\} (\d+)$/gm)) {
    counts[`${match[2]} ${match[3]}`] = Number(match[4]);
  }
  return counts;
}

describe.each(STORES)('per-node caches keep what is asked for again (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_PROJECT_CACHE_TTL_MS: '3600000' } });
  });
  afterAll(() => portico.close());

  it('keeps a token and an answer on their second use, then serves them from memory', async () => {
    // The user exists (created by another token's call): what follows reads them.
    expect((await portico.connect('twice', 'GET', '/sdk/me')).statusCode).toBe(200);
    const token = await portico.token('twice', { claims: { purpose: 'admission' } });
    const me = async () => {
      const response = await portico.app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(200);
      return response.body;
    };
    const before = await cacheCounts(portico);
    const delta = async () => {
      const now = await cacheCounts(portico);
      return Object.fromEntries(Object.entries(now).map(([key, value]) => [key, value - (before[key] ?? 0)]).filter(([, value]) => value !== 0));
    };
    const first = await me();
    // The first use: the token is verified and the user read; neither is kept.
    expect(await delta()).toEqual({ 'user_token miss': 1, 'user_token first_sight': 1, 'user_answer miss': 1, 'user_answer first_sight': 1 });
    await me();
    expect(await delta()).toEqual({ 'user_token miss': 2, 'user_token first_sight': 1, 'user_token admitted': 1, 'user_answer miss': 2, 'user_answer first_sight': 1, 'user_answer admitted': 1 });
    const third = await me();
    expect(third).toBe(first);
    expect(await delta()).toMatchObject({ 'user_token hit': 1, 'user_answer hit': 1, 'user_token miss': 2, 'user_answer miss': 2 });
  });

  it('keeps a user\'s answer while other users are created and their activity recorded, and forgets it when another process writes the file', async () => {
    const me = async () => {
      const response = await portico.connect('steady', 'GET', '/sdk/me');
      expect(response.statusCode).toBe(200);
      return response.json() as { meta: Record<string, unknown> };
    };
    for (let i = 0; i < 3; i++) await me();
    // Other users' first calls write their rows and activity times; none of it is this user's.
    for (let i = 0; i < 5; i++) expect((await portico.connect(`busy-${i}`, 'GET', '/sdk/me')).statusCode).toBe(200);
    const before = await cacheCounts(portico);
    await me();
    const after = await cacheCounts(portico);
    expect((after['user_answer hit'] ?? 0) - (before['user_answer hit'] ?? 0)).toBe(1);
    if (kind !== 'sqlite') return;
    // A write by another process (the CLI, say), whose events this server does not hear.
    // It waits for the write lock on timers: a busy wait would block this thread, where the server
    // holding the lock runs, until the wait timed out.
    const other = new Database(portico.store.location, { timeout: 0 });
    for (let attempt = 0; ; attempt++) {
      try {
        other.prepare('update connected_users set meta = ? where external_id = ?').run(JSON.stringify({ via: 'another process' }), 'steady');
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    other.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await me()).meta).toEqual({ via: 'another process' });
  });

  it('does not keep the answers of many users each seen once', async () => {
    for (let i = 0; i < 30; i++) expect((await portico.connect(`once-${i}`, 'GET', '/sdk/me')).statusCode).toBe(200);
    // Each existing user read once (their first call above created them).
    const before = await cacheCounts(portico);
    for (let i = 0; i < 30; i++) expect((await portico.connect(`once-${i}`, 'GET', '/sdk/me')).statusCode).toBe(200);
    const after = await cacheCounts(portico);
    const admitted = (after['user_answer admitted'] ?? 0) - (before['user_answer admitted'] ?? 0);
    const firstSight = (after['user_answer first_sight'] ?? 0) - (before['user_answer first_sight'] ?? 0);
    expect(admitted).toBe(0);
    expect(firstSight).toBeGreaterThanOrEqual(27);
  });
});
