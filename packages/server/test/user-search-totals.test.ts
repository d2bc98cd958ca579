import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXACT_TOTAL_LIMIT } from '../src/domain/users/index.ts';
import { indexedMetaValues, searchColumns } from '../src/domain/users/search-keys.ts';
import { STORES, startPortico, type Portico } from './harness.ts';
import { insertUserRows } from './support/user-rows.ts';

/** Searches whose matches pass the exact-total limit (10,000): an estimate on PostgreSQL, a full count on SQLite. */
describe.each(STORES)('user search totals above %s exact limit', (kind) => {
  let portico: Portico;
  const USERS = EXACT_TOTAL_LIMIT + 150;

  beforeAll(async () => {
    portico = await startPortico(kind);
    // Written straight into the tables (as the bench seeds its population): 10,150 users through
    // the API would take minutes. The search columns and metadata index rows are what the service writes.
    const projectId = portico.project.projectId;
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    for (let start = 0; start < USERS; start += 1000) {
      const users = [];
      const metaValues = [];
      for (let index = start; index < Math.min(USERS, start + 1000); index++) {
        const meta = { Name: `Bulk User ${index}`, Email: `bulk${index}@example.com`, Plan: index % 2 === 0 ? 'even' : 'odd' };
        const at = new Date(base + index * 1000).toISOString();
        const id = randomUUID();
        users.push({ id, project_id: projectId, external_id: `bulk-${index}`, meta: JSON.stringify(meta), disabled_at: null, created_at: at, updated_at: at, last_active_at: at, ...searchColumns(meta) });
        for (const [key, value] of indexedMetaValues(meta)) metaValues.push({ user_id: id, project_id: projectId, key, value, created_at: at });
      }
      await insertUserRows(portico.store.db, users);
      await portico.store.db.insertInto('user_meta_values').values(metaValues).execute();
    }
    if (kind === 'postgres') await sql`analyze`.execute(portico.store.db);
  }, 120_000);
  afterAll(() => portico.close());

  const search = async (query: string) => {
    const response = await portico.admin('GET', `/users?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { data: unknown[]; total: number; totalIsEstimate: boolean; nextCursor: string | null };
  };

  it('answers a search of more than 10,000 matches with a first page and a total that says what it is', async () => {
    for (const query of ['q=bulk', 'name=Bulk', 'limit=10']) {
      const page = await search(query);
      expect(page.data.length, query).toBeGreaterThan(0);
      expect(page.nextCursor, query).not.toBeNull();
      if (kind === 'postgres') {
        // PostgreSQL's planner estimate, never less than what was counted exactly.
        expect(page, query).toMatchObject({ totalIsEstimate: true });
        expect(page.total, query).toBeGreaterThan(EXACT_TOTAL_LIMIT);
      } else {
        expect(page, query).toMatchObject({ total: USERS, totalIsEstimate: false });
      }
    }
    // Half of them: 5,075, below the limit, exact on both stores.
    expect(await search('meta.Plan=even')).toMatchObject({ total: USERS / 2, totalIsEstimate: false });
  });
});
