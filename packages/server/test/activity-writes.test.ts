import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityWrites } from '../src/domain/users/index.ts';
import { newId } from '../src/platform/ids.ts';
import { STORES, startPortico, type Portico } from './harness.ts';
import { insertUserRows, setStoredLastActive, storedLastActive } from './support/user-rows.ts';

/** `dateLastActive` is written behind, many users per statement (decision 44). */
describe.each(STORES)('activity written behind (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(async () => {
    await portico?.close();
  });

  const TWO_DAYS_AGO = new Date(Date.now() - 2 * 86_400_000).toISOString();

  const lastActive = (sub: string) => storedLastActive(portico.store.db, portico.project.projectId, sub);

  it('a returning user\'s request answers at once and their activity lands in the store moments later', async () => {
    expect((await portico.connect('returning', 'GET', '/sdk/me')).statusCode).toBe(200);
    await setStoredLastActive(portico.store.db, portico.project.projectId, 'returning', TWO_DAYS_AGO);
    portico.ctx.sdkMeCache.clear();
    const asked = Date.now();
    const me = await portico.connect('returning', 'GET', '/sdk/me');
    expect(me.statusCode).toBe(200);
    await expect.poll(() => lastActive('returning'), { timeout: 5000, interval: 25 }).toBeGreaterThanOrEqual(asked - 1000);
    const admin = await portico.admin('GET', '/users/returning');
    expect(Date.parse(admin.json().dateLastActive)).toBeGreaterThanOrEqual(asked - 1000);
    if (kind === 'sqlite') {
      // Activity alone is committed without an fsync (decision 51); /metrics counts such commits.
      const metrics = (await portico.app.inject({ method: 'GET', url: '/metrics' })).body;
      const unsynced = Number(/portico_sqlite_commits_total\{fsync="no"\} (\d+)/.exec(metrics)?.[1]);
      expect(unsynced).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/portico_sqlite_commits_total\{fsync="yes"\} [1-9]/);
      expect(metrics).toContain('# TYPE portico_sqlite_checkpoints_total counter');
    }
  });

  it('writes every pending user on close, in chunks, and never moves a time back', async () => {
    const now = new Date().toISOString();
    const rows = Array.from({ length: 1_100 }, (_, n) => ({
      id: newId(), project_id: portico.project.projectId, external_id: `bulk-${n}`, meta: '{}', disabled_at: null,
      created_at: TWO_DAYS_AGO, updated_at: TWO_DAYS_AGO, last_active_at: n === 0 ? now : TWO_DAYS_AGO,
    }));
    await insertUserRows(portico.store.db, rows);
    // A long window: nothing is written until close() (or 2,000 pending users).
    const writes = new ActivityWrites(portico.store, { windowMs: 60_000 });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    for (const row of rows) writes.record(row.id, yesterday);
    writes.record(rows[1]!.id, new Date(Date.now() - 3 * 86_400_000).toISOString()); // older than what is pending: ignored
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lastActive('bulk-5')).toBe(Date.parse(TWO_DAYS_AGO));
    await writes.close();
    for (const n of [1, 2, 499, 500, 501, 1_099]) expect(await lastActive(`bulk-${n}`)).toBe(Date.parse(yesterday));
    // bulk-0 was active after the recorded time: it keeps its later one.
    expect(await lastActive('bulk-0')).toBe(Date.parse(now));
    // A user erased before the write is no error: nothing is written for them.
    const gone = new ActivityWrites(portico.store, { windowMs: 60_000, onError: (error) => { throw error; } });
    gone.record(newId(), new Date().toISOString());
    await expect(gone.close()).resolves.toBeUndefined();
  });
});
