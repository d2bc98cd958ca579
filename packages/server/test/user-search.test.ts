import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { insertUserRows } from './support/user-rows.ts';

interface Page {
  data: Array<{ userId: string; meta: Record<string, unknown>; active: boolean }>;
  nextCursor: string | null;
  total: number;
  totalIsEstimate: boolean;
}

const PEOPLE: Array<[string, Record<string, unknown>]> = [
  ['u-zoe', { Name: 'Zoë Saldaña', Email: 'zoe@example.com', Plan: 'pro', Seats: 5 }],
  ['u-elodie', { Name: 'Élodie Martin', Email: 'ÉLODIE@exämple.com', Plan: 'pro', Seats: 12 }],
  ['u-john', { Name: 'John Bookface', Email: 'john@bookface.io', Plan: 'basic', Seats: 5 }],
  ['u-johanna', { Name: 'Johanna Berg', Email: 'johanna@bookface.io', Plan: 'pro' }],
  ['u-anon', { Plan: 'basic' }],
  ['BOOK-42', { Name: 'Robot', Email: 'robot@machines.dev', Beta: true }],
];

describe.each(STORES)('Admin API user search and user operations (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { plan: 'pro' });
    for (const [sub, meta] of PEOPLE) {
      const response = await portico.connect(sub, 'PATCH', '/sdk/me', { meta });
      expect(response.statusCode, response.body).toBe(200);
    }
    await seedSalesforce(portico, 'u-john');
    await portico.admin('POST', '/users/u-zoe/credentials', { integration: 'salesforce', accessToken: 'revoked-token', status: 'INVALID' });
  });
  afterAll(() => portico.close());

  const search = async (query: string): Promise<Page> => {
    const response = await portico.admin('GET', `/users?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const ids = async (query: string) => (await search(query)).data.map((user) => user.userId).sort();

  it('finds a user by email, exactly and ignoring case and Unicode form', async () => {
    expect(await ids('email=john@bookface.io')).toEqual(['u-john']);
    expect(await ids(`email=${encodeURIComponent('élodie@EXÄMPLE.com')}`)).toEqual(['u-elodie']);
    // The same address with "é" decomposed into "e" and a combining accent.
    expect(await ids(`email=${encodeURIComponent('e\u0301lodie@exa\u0308mple.com')}`)).toEqual(['u-elodie']);
    expect(await ids('email=john@bookface')).toEqual([]);
    const page = await search('email=john@bookface.io');
    expect(page).toMatchObject({ total: 1, totalIsEstimate: false, nextCursor: null });
    expect(page.data[0]).toMatchObject({ userId: 'u-john', active: true, meta: { Name: 'John Bookface' } });
    expect(JSON.stringify(page)).not.toContain('sf-access-token-SECRET-1');
  });

  it('finds by name prefix and by free text over name, email and user id', async () => {
    expect(await ids('name=jo')).toEqual(['u-johanna', 'u-john']);
    expect(await ids(`name=${encodeURIComponent('ZOË')}`)).toEqual(['u-zoe']);
    expect(await ids('name=ohn')).toEqual([]);
    expect(await ids(`q=${encodeURIComponent('ldañ')}`)).toEqual(['u-zoe']);
    expect(await ids('q=bookface')).toEqual(['u-johanna', 'u-john']);
    expect(await ids('q=BOOK-4')).toEqual(['BOOK-42']);
    expect(await ids(`q=${encodeURIComponent('100%')}`)).toEqual([]);
  });

  it('matches metadata values exactly, several keys together', async () => {
    expect(await ids('meta.Plan=pro')).toEqual(['u-elodie', 'u-johanna', 'u-zoe']);
    expect(await ids('meta.Plan=pro&meta.Seats=5')).toEqual(['u-zoe']);
    expect(await ids('meta.Beta=true')).toEqual(['BOOK-42']);
    expect(await ids('meta.Plan=PRO')).toEqual([]);
    // A later metadata change moves the user between results.
    await portico.connect('u-johanna', 'PATCH', '/sdk/me', { meta: { Plan: 'basic' } });
    expect(await ids('meta.Plan=pro')).toEqual(['u-elodie', 'u-zoe']);
    await portico.connect('u-johanna', 'PATCH', '/sdk/me', { meta: { Plan: 'pro' } });
  });

  it('shows each user of a page exactly as GET /users/{userId} does, credentials and workflow states included', async () => {
    // A second credential for John: the page's users are loaded together, each must get only their own.
    await portico.admin('POST', '/users/u-john/credentials', { integration: 'salesforce', accessToken: 'second-token', providerId: 'second-account' });
    const page = await search('limit=200');
    expect(page.data).toHaveLength(PEOPLE.length);
    for (const user of page.data) {
      const alone = await portico.admin('GET', `/users/${encodeURIComponent(user.userId)}`);
      expect(user, user.userId).toEqual(alone.json());
    }
    const john = page.data.find((user) => user.userId === 'u-john') as unknown as { integrations: { salesforce: { allCredentials: unknown[] } } };
    expect(john.integrations.salesforce.allCredentials).toHaveLength(2);
  });

  it('pages through metadata matches once, in every sort order, and keeps totals true across changes', async () => {
    const all = async (query: string, sort: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await search(`${query}${query ? '&' : ''}sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.data.map((user) => user.userId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      return seen;
    };
    for (const sort of ['-created', 'created', '-lastActive', 'lastActive', 'name']) {
      // One metadata value, then two: the search walks the shorter list (Seats=5 has 2 users, Plan=pro 3).
      const unfiltered = (await all('', sort)).filter((id) => ['u-zoe', 'u-elodie', 'u-johanna'].includes(id));
      expect(await all('meta.Plan=pro', sort), sort).toEqual(unfiltered);
      expect(await all('meta.Plan=pro&meta.Seats=5', sort), sort).toEqual(['u-zoe']);
      expect(await all('meta.Seats=5&meta.Plan=pro', sort), sort).toEqual(['u-zoe']);
    }
    expect(await search('meta.Plan=pro&meta.Seats=5')).toMatchObject({ total: 1, totalIsEstimate: false });
    expect((await search('meta.Plan=pro&limit=1')).total).toBe(3);
    // A change in the project makes the totals it touches count afresh.
    await portico.connect('u-elodie', 'PATCH', '/sdk/me', { meta: { Seats: 5 } });
    expect((await search('meta.Plan=pro&meta.Seats=5')).total).toBe(2);
    await portico.connect('u-anon', 'PATCH', '/sdk/me', { meta: { Plan: 'pro' } });
    expect((await search('meta.Plan=pro&limit=1')).total).toBe(4);
    await portico.connect('u-anon', 'PATCH', '/sdk/me', { meta: { Plan: 'basic' } });
    await portico.connect('u-elodie', 'PATCH', '/sdk/me', { meta: { Seats: 12 } });
    expect((await search('meta.Plan=pro&meta.Seats=5')).total).toBe(1);
    expect((await search('meta.Plan=pro&limit=1')).total).toBe(3);
  });

  it('keeps totals true when another node (PostgreSQL) or another process (SQLite) changes a user', async () => {
    const reader = kind === 'postgres' ? await portico.startSecondNode() : undefined;
    const app = reader?.app ?? portico.app;
    const total = async () => {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/projects/${portico.project.projectId}/users?meta.Plan=pro&limit=1`,
        headers: { authorization: `Bearer ${portico.project.apiKey}` },
      });
      return (response.json() as Page).total;
    };
    // On SQLite the other process is a second connection to the file, as the CLI would open.
    const otherProcess = kind === 'sqlite' ? new Database(path.join(portico.database.dataDir, 'portico.db'), { timeout: 0 }) : undefined;
    const setPlan = async (plan: string) => {
      if (otherProcess) {
        const update = otherProcess.prepare("update user_meta_values set value = ? where key = 'Plan' and user_id = (select id from connected_users where external_id = 'u-anon')");
        // This process's writer holds the lock between its group commits: retry without blocking its event loop.
        for (let attempt = 0; ; attempt++) {
          try {
            update.run(plan);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 200) throw error;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
      } else {
        await portico.connect('u-anon', 'PATCH', '/sdk/me', { meta: { Plan: plan } });
      }
    };
    try {
      expect(await total()).toBe(3);
      expect(await total()).toBe(3);
      await setPlan('pro');
      await expect.poll(total, { timeout: 5000 }).toBe(4);
      await setPlan('basic');
      await expect.poll(total, { timeout: 5000 }).toBe(3);
    } finally {
      otherProcess?.close();
      await reader?.close();
    }
  });

  it('filters by credential status and integration', async () => {
    expect(await ids('status=account_errors')).toEqual(['u-zoe']);
    expect(await ids('status=connected')).toEqual(['u-john']);
    expect(await ids('integration=salesforce')).toEqual(['u-john', 'u-zoe']);
    expect(await ids('integration=salesforce&status=connected&meta.Plan=basic')).toEqual(['u-john']);
  });

  it('pages through every user once, in a stable order, for each sort', async () => {
    for (const sort of ['-created', 'created', '-lastActive', 'lastActive', 'name']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await search(`sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((user) => user.userId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      const expected = sort === 'name' ? PEOPLE.filter(([, meta]) => meta.Name).length : PEOPLE.length;
      expect(new Set(seen).size, sort).toBe(seen.length);
      expect(seen, sort).toHaveLength(expected);
      // By code point of the normalized name, the same on both stores: "élodie" after "zoë".
      if (sort === 'name') expect(seen).toEqual(['u-johanna', 'u-john', 'BOOK-42', 'u-zoe', 'u-elodie']);
    }
    const all = await search('limit=200');
    expect(all.total).toBe(PEOPLE.length);
  });

  it('filters by creation and activity dates', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(await ids(`createdAfter=${future}`)).toEqual([]);
    expect((await ids(`createdAfter=${past}&createdBefore=${future}`)).length).toBe(PEOPLE.length);
    expect((await ids(`activeAfter=${past}`)).length).toBe(PEOPLE.length);
  });

  it('refuses unknown parameters, bad limits and foreign cursors with 400', async () => {
    for (const query of ['emial=x', 'limit=0', 'limit=201', 'sort=size', 'status=broken', 'cursor=abc', 'meta.=x', 'createdAfter=yesterday']) {
      const response = await portico.admin('GET', `/users?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().code, query).toBe('VALIDATION_FAILED');
    }
    const first = await search('sort=created&limit=1');
    const mixed = await portico.admin('GET', `/users?sort=name&cursor=${first.nextCursor}`);
    expect(mixed.statusCode).toBe(400);
  });

  it('disables a user (Connect API answers 403 USER_DISABLED), finds them with active=false, and enables them as they were', async () => {
    const before = (await portico.connect('u-john', 'GET', '/sdk/me')).json();
    const disabled = await portico.admin('PATCH', '/users/u-john', { active: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().active).toBe(false);
    const refused = await portico.connect('u-john', 'GET', '/sdk/me');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('USER_DISABLED');
    expect((await portico.connect('u-john', 'PATCH', '/sdk/me', { meta: { x: 1 } })).json().code).toBe('USER_DISABLED');
    expect(await ids('active=false')).toEqual(['u-john']);
    expect(await ids('active=true')).not.toContain('u-john');

    expect((await portico.admin('PATCH', '/users/u-john', { active: true })).json().active).toBe(true);
    expect((await portico.connect('u-john', 'GET', '/sdk/me')).json()).toEqual(before);
  });

  it('patches metadata through the Admin API with the Connect API merge rules, and 404s an unknown user', async () => {
    const patched = await portico.admin('PATCH', '/users/u-anon', { meta: { Name: 'Anna Nonymous', Plan: null } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().meta).toEqual({ Name: 'Anna Nonymous' });
    expect(await ids('name=anna')).toEqual(['u-anon']);
    expect((await portico.admin('PATCH', '/users/nobody', { active: false })).json().code).toBe('USER_NOT_FOUND');
    expect((await portico.admin('PATCH', '/users/u-anon', {})).statusCode).toBe(400);
  });
});

/**
 * `q` through the trigram index (decision 42): SQLite's FTS5 table follows every change of a user
 * in the same transaction; a text found in thousands of users is walked along the sort order instead.
 */
describe.each(STORES)('free-text user search at scale (%s)', (kind) => {
  let portico: Portico;
  const COMMON = 2100;
  beforeAll(async () => {
    portico = await startPortico(kind, { plan: 'pro' });
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const rows = Array.from({ length: COMMON }, (_, n) => {
      const at = new Date(start + n * 1000).toISOString();
      return {
        id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        project_id: portico.project.projectId,
        external_id: `Member-${n}`,
        meta: JSON.stringify({ Name: `Member ${n}`, Email: `member${n}@commonco.test` }),
        disabled_at: null,
        created_at: at,
        updated_at: at,
        last_active_at: at,
        search_name: `member ${n}`,
        search_email: `member${n}@commonco.test`,
      };
    });
    await insertUserRows(portico.store.db, rows);
  });
  afterAll(() => portico.close());

  const search = async (query: string): Promise<Page> => {
    const response = await portico.admin('GET', `/users?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };

  it('finds a substring shared by thousands of users newest first, with an exact total, and one held by a single user', async () => {
    const common = await search('q=COMMONCO&limit=5');
    expect(common.total).toBe(COMMON);
    expect(common.data.map((user) => user.userId)).toEqual(['Member-2099', 'Member-2098', 'Member-2097', 'Member-2096', 'Member-2095']);
    const one = await search('q=member1234@');
    expect(one.data.map((user) => user.userId)).toEqual(['Member-1234']);
    expect(one.total).toBe(1);
    // Two characters are below the trigram index; the search still answers, by reading users.
    const short = await search('q=r7&limit=200');
    expect(short.data.length).toBeGreaterThan(0);
    expect(short.data.every((user) => /r7/i.test(`${user.userId} ${String(user.meta.Name)} ${String(user.meta.Email)}`))).toBe(true);
    // The user id matches whatever its case.
    expect((await search('q=mEmBeR-77&limit=200')).data.map((user) => user.userId)).toContain('Member-77');
  });

  it('pages through a text held by users created together, newest first and by name, each once, with the total on every page', async () => {
    // Member-12, Member-120…129 and Member-1200…1299: 111 users, most of them created in one run among 2,100.
    const holders = Array.from({ length: COMMON }, (_, n) => n).filter((n) => String(n).startsWith('12'));
    const walk = async (query: string) => {
      const ids: string[] = [];
      const totals = new Set<number>();
      let cursor: string | null = null;
      do {
        const page: Page = await search(`${query}&limit=20${cursor ? `&cursor=${cursor}` : ''}`);
        ids.push(...page.data.map((user) => user.userId));
        totals.add(page.total);
        cursor = page.nextCursor;
      } while (cursor);
      return { ids, totals: [...totals] };
    };
    const newest = await walk('q=MEMBER12');
    expect(newest.ids).toEqual(holders.map((n) => `Member-${n}`).reverse());
    expect(newest.totals).toEqual([holders.length]);
    const byName = await walk('q=member12&sort=name');
    expect(byName.ids).toEqual(holders.map((n) => `Member-${n}`).sort());
    expect(byName.totals).toEqual([holders.length]);
    // With a filter on the user row as well, and a text nobody holds.
    expect((await search('q=member12&active=true&limit=5')).total).toBe(holders.length);
    const none = await search('q=member12zz');
    expect(none).toMatchObject({ data: [], total: 0, nextCursor: null });
  });

  it('follows renames, new users and erasures at once', async () => {
    await portico.connect('quentin', 'PATCH', '/sdk/me', { meta: { Name: 'Quentin Blake', Email: 'quentin@illustrators.test' } });
    expect((await search('q=blake')).data.map((user) => user.userId)).toEqual(['quentin']);
    await portico.connect('quentin', 'PATCH', '/sdk/me', { meta: { Name: 'Roald Dahl' } });
    expect((await search('q=blake')).data).toEqual([]);
    expect((await search('q=dahl')).data.map((user) => user.userId)).toEqual(['quentin']);
    expect((await search('q=illustrators')).total).toBe(1);
    const erased = await portico.admin('DELETE', '/users/quentin');
    expect(erased.statusCode, erased.body).toBe(200);
    expect((await search('q=dahl')).data).toEqual([]);
    expect((await search('q=quentin')).total).toBe(0);
  });
});
