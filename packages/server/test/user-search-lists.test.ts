import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedMetaValues, searchColumns } from '../src/domain/users/search-keys.ts';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { insertUserRows } from './support/user-rows.ts';
import { waitFor } from './support/jobs.ts';

/**
 * Exact totals of several `meta.KEY=VALUE` filters whose shortest list has 1,000 users or more:
 * counted in memory against the other values' lists each node keeps (decision 49). These tests
 * hold the totals to what the tables say, before and after changes the kept lists did not see.
 */
describe.each(STORES)('user search totals from kept metadata lists (%s)', (kind) => {
  let portico: Portico;
  const USERS = 3000;
  const LEGACY = [2, 1001, 2000];
  /** What the test wrote: each seeded user's plan and seats, by external id. */
  const seeded = new Map<string, { plan: string; seats: string }>();

  beforeAll(async () => {
    portico = await startPortico(kind);
    // Written straight into the tables as the service writes them (3,000 users through the API would take a minute).
    const projectId = portico.project.projectId;
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const users = [];
    const metaValues = [];
    for (let index = 0; index < USERS; index++) {
      // A few basic users without seats have ids that are not UUIDs (imported with their own ids): `plan=basic` cannot be kept.
      const legacy = LEGACY.includes(index);
      const meta = { Name: `List User ${index}`, plan: index % 3 === 0 ? 'pro' : 'basic', ...(legacy ? {} : { seats: String(index % 2) }), ...(index < 1200 ? { group: 'g' } : {}) };
      const at = new Date(base + index * 1000).toISOString();
      const id = legacy ? `legacy-${index}` : randomUUID();
      seeded.set(`list-${index}`, { plan: meta.plan, seats: meta.seats ?? '' });
      users.push({ id, project_id: projectId, external_id: `list-${index}`, meta: JSON.stringify(meta), disabled_at: null, created_at: at, updated_at: at, last_active_at: at, ...searchColumns(meta) });
      for (const [key, value] of indexedMetaValues(meta)) metaValues.push({ user_id: id, project_id: projectId, key, value, created_at: at });
    }
    await insertUserRows(portico.store.db, users);
    for (let start = 0; start < metaValues.length; start += 500) await portico.store.db.insertInto('user_meta_values').values(metaValues.slice(start, start + 500)).execute();
    if (kind === 'postgres') await sql`analyze`.execute(portico.store.db);
  }, 120_000);
  afterAll(() => portico.close());

  const expected = (plan: string, seats: string) => [...seeded.values()].filter((user) => user.plan === plan && user.seats === seats).length;
  const total = async (query: string, node = portico.app) => {
    const response = await node.inject({ method: 'GET', url: `/api/v1/projects/${portico.project.projectId}/users?${query}`, headers: { authorization: `Bearer ${portico.project.apiKey}` } });
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { total: number; totalIsEstimate: boolean };
    expect(page.totalIsEstimate).toBe(false);
    return page.total;
  };

  /** Every user of a search, page by page (newest first unless `sort` says otherwise), and each page's total. */
  const pages = async (query: string, limit: number) => {
    const ids: string[] = [];
    const totals = new Set<number>();
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/projects/${portico.project.projectId}/users?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await portico.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${portico.project.apiKey}` } });
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { data: Array<{ userId: string }>; nextCursor: string | null; total: number };
      ids.push(...page.data.map((user) => user.userId));
      totals.add(page.total);
      cursor = page.nextCursor;
    } while (cursor);
    return { ids, totals: [...totals] };
  };
  /** The external ids with `plan` and `seats`, in creation order (the order `seeded` was written in). */
  const created = (plan: string, seats: string) => [...seeded].filter(([, user]) => user.plan === plan && user.seats === seats).map(([id]) => id);

  it('pages through two metadata values from the kept lists in creation order, each user once', async () => {
    // The first total reads the lists; the pages after it walk one list and look the other up in memory.
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    const newest = await pages('meta.plan=pro&meta.seats=1', 37);
    expect(newest.ids).toEqual(created('pro', '1').reverse());
    expect(newest.totals).toEqual([expected('pro', '1')]);
    const oldest = await pages('meta.seats=1&meta.plan=pro&sort=created', 200);
    expect(oldest.ids).toEqual(created('pro', '1'));
    // A list with ids that are not UUIDs is not kept: the database walks it, with the same answer.
    expect((await pages('meta.plan=basic&meta.seats=0', 150)).ids).toEqual(created('basic', '0').reverse());
  });

  it('shows each user of a page walked through the kept lists as the user\'s own page does: integrations and activity time included', async () => {
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    const [connected, idle] = created('pro', '1').reverse().slice(2, 4);
    await seedSalesforce(portico, connected!);
    // The integration is a change to the whole project: the count after it reads the lists again, for the page to walk.
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    const url = `/api/v1/projects/${portico.project.projectId}/users?meta.plan=pro&meta.seats=1&limit=50`;
    const response = await portico.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${portico.project.apiKey}` } });
    const page = response.json() as { data: Array<{ userId: string; dateLastActive: string }> };
    for (const userId of [connected!, idle!]) {
      const shown = page.data.find((user) => user.userId === userId);
      const own = await portico.admin('GET', `/users/${userId}`);
      expect(shown).toEqual(own.json());
    }
    const shownConnected = page.data.find((user) => user.userId === connected) as unknown as { integrations: Record<string, { enabled: boolean }> };
    expect(shownConnected.integrations.salesforce?.enabled).toBe(true);
    // Seeded users were last active when they were created, one second apart.
    const index = Number(idle!.slice('list-'.length));
    expect(page.data.find((user) => user.userId === idle)!.dateLastActive).toBe(new Date(Date.parse('2026-01-01T00:00:00.000Z') + index * 1000).toISOString());
  });

  it('counts two metadata values exactly, in either order, with a list of ids that are not UUIDs among them', async () => {
    expect(expected('pro', '1')).toBeGreaterThan(0);
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    expect(await total('meta.seats=1&meta.plan=pro&limit=5')).toBe(expected('pro', '1'));
    // Among the 1,498 users with 0 seats, the basic ones: `plan=basic` holds the legacy ids, so the database counts them.
    expect(await total('meta.plan=basic&meta.seats=0')).toBe(expected('basic', '0'));
    expect(await total('meta.seats=1&meta.plan=basic')).toBe(expected('basic', '1'));
    // 1,200 candidates, two of them legacy ids (left out: they have no seats, and no kept list holds them).
    expect(await total('meta.group=g&meta.seats=1')).toBe([...Array(1200).keys()].filter((index) => index % 2 === 1 && !LEGACY.includes(index)).length);
    // The same filter twice is one filter; two values of one key match nobody.
    expect(await total('meta.plan=pro&meta.seats=0&meta.plan=pro')).toBe(expected('pro', '0'));
    expect(await total('meta.plan=pro&meta.plan=basic&meta.seats=0')).toBe(0);
  });

  it('counts users changed, created and erased since the lists were read', async () => {
    const before = await total('meta.plan=pro&meta.seats=1');
    // A pro user with one seat becomes basic; a basic user with one seat becomes pro.
    const [downgraded] = [...seeded].find(([, user]) => user.plan === 'pro' && user.seats === '1')!;
    const [upgraded] = [...seeded].find(([, user]) => user.plan === 'basic' && user.seats === '1')!;
    expect((await portico.admin('PATCH', `/users/${downgraded}`, { meta: { plan: 'basic' } })).statusCode).toBe(200);
    expect((await portico.admin('PATCH', `/users/${upgraded}`, { meta: { plan: 'pro' } })).statusCode).toBe(200);
    seeded.set(downgraded, { plan: 'basic', seats: '1' });
    seeded.set(upgraded, { plan: 'pro', seats: '1' });
    // A second downgrade and a new pro user with one seat through the Connect API.
    const [other] = [...seeded].find(([id, user]) => id !== downgraded && id !== upgraded && user.plan === 'pro' && user.seats === '1')!;
    expect((await portico.admin('PATCH', `/users/${other}`, { meta: { plan: 'basic' } })).statusCode).toBe(200);
    seeded.set(other, { plan: 'basic', seats: '1' });
    expect((await portico.connect('newcomer', 'PATCH', '/sdk/me', { meta: { plan: 'pro', seats: '1' } })).statusCode).toBe(200);
    seeded.set('newcomer', { plan: 'pro', seats: '1' });
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(before);
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    expect(await total('meta.plan=basic&meta.seats=1')).toBe(expected('basic', '1'));

    // Erasing a pro user with one seat.
    const [erased] = [...seeded].find(([id, user]) => id.startsWith('list-') && user.plan === 'pro' && user.seats === '1')!;
    expect((await portico.admin('DELETE', `/users/${erased}`)).statusCode).toBe(200);
    seeded.delete(erased);
    expect(await total('meta.plan=pro&meta.seats=1')).toBe(expected('pro', '1'));
    expect(await total('meta.seats=1&meta.plan=pro')).toBe(before - 1);
    // Pages see every change too: the users changed since the lists were read are checked in the database.
    const newest = await pages('meta.plan=pro&meta.seats=1', 50);
    expect(newest.ids).toEqual(created('pro', '1').reverse());
    expect(newest.ids).toContain('newcomer');
    expect(newest.ids).not.toContain(downgraded);
    expect(newest.ids).not.toContain(erased);
    expect((await pages('meta.plan=basic&meta.seats=1&sort=created', 200)).ids).toEqual(created('basic', '1'));
  });

  it.runIf(kind === 'postgres')('counts a change another node made once its notice arrives', async () => {
    const second = await portico.startSecondNode();
    try {
      expect(await total('meta.plan=pro&meta.seats=0', second.app)).toBe(expected('pro', '0'));
      const [changed] = [...seeded].find(([, user]) => user.plan === 'pro' && user.seats === '0')!;
      expect((await portico.admin('PATCH', `/users/${changed}`, { meta: { seats: '1' } })).statusCode).toBe(200);
      seeded.set(changed, { plan: 'pro', seats: '1' });
      await waitFor('the second node to count the change', async () => (await total('meta.plan=pro&meta.seats=0', second.app)) === expected('pro', '0'));
      expect(await total('meta.seats=1&meta.plan=pro', second.app)).toBe(expected('pro', '1'));
    } finally {
      await second.close();
    }
  });
});
