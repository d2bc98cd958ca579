import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';

interface AuditEvent {
  id: string;
  type: string;
  at: string;
  userId: string | null;
  actor: { kind: string; name: string };
  changes: Record<string, unknown>;
}

interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
}

for (const kind of STORES) {
  describe(`audit timeline (${kind})`, () => {
    let portico: Portico;
    const sub = 'timeline-user';
    let seed: Awaited<ReturnType<typeof seedSalesforce>>;
    /** The user's changes in the order they were made. */
    const made: string[] = [];

    const page = async (path: string): Promise<Page> => {
      const response = await portico.admin('GET', path);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Page;
    };

    /** Every page of a list, following nextCursor; `between` runs after the first page. */
    async function walk(path: string, limit: number, between?: () => Promise<void>): Promise<AuditEvent[]> {
      const events: AuditEvent[] = [];
      let cursor: string | null = null;
      let first = true;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const result: Page = await page(`${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(result.data.length).toBeLessThanOrEqual(limit);
        events.push(...result.data);
        cursor = result.nextCursor;
        if (first && between) await between();
        first = false;
      } while (cursor);
      return events;
    }

    beforeAll(async () => {
      portico = await startPortico(kind);
      const ok = (response: { statusCode: number; body: string }) => expect(response.statusCode, response.body).toBeLessThan(300);
      ok(await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { plan: 'gold', apiKey: 'sekrit-VALUE-123' } }));
      made.push('user.created', 'user.metadata.updated');
      ok(await portico.connect('someone-else', 'PATCH', '/sdk/me', { meta: { other: 1 } }));
      seed = await seedSalesforce(portico, sub);
      made.push('integration.installed');
      const credential = { 'x-paragon-credential': seed.credential.id as string };
      ok(await portico.connect(sub, 'POST', `/sdk/workflows/${seed.offByDefault.id as string}`, undefined, { 'content-type': 'application/json', ...credential }));
      ok(await portico.connect(sub, 'DELETE', `/sdk/workflows/${seed.offByDefault.id as string}`, undefined, credential));
      made.push('workflow.enabled', 'workflow.disabled');
      ok(await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { plan: null } }));
      made.push('user.metadata.updated');
      ok(await portico.connect(sub, 'DELETE', '/sdk/integrations/salesforce', undefined, credential));
      made.push('integration.uninstalled');
    });
    afterAll(() => portico.close());

    it("shows every change of the user, newest first, with its actor and what changed (never metadata values)", async () => {
      const { data, nextCursor } = await page(`/users/${sub}/events?limit=200`);
      expect(nextCursor).toBeNull();
      expect(data.map((e) => e.type)).toEqual([...made].reverse());
      expect(data.every((e) => e.userId === sub)).toBe(true);
      const times = data.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(JSON.stringify(data)).not.toContain('sekrit-VALUE-123');
      expect(JSON.stringify(data)).not.toContain('gold');

      const byType = (type: string) => data.filter((e) => e.type === type);
      const [created] = byType('user.created');
      expect(created!.actor).toEqual({ kind: 'user', name: sub });
      const [cleared, first] = byType('user.metadata.updated');
      expect((first!.changes.keys as string[]).sort()).toEqual(['apiKey', 'plan']);
      expect(cleared!.changes).toEqual({ keys: ['plan'] });
      const [installed] = byType('integration.installed');
      expect(installed!.actor.kind).toBe('api_key');
      expect(installed!.changes).toMatchObject({ integrationType: 'salesforce', credentialId: seed.credential.id });
      expect(byType('integration.uninstalled')[0]!.changes).toMatchObject({ integrationType: 'salesforce', credentialIds: [seed.credential.id] });
      expect(byType('workflow.enabled')[0]!.changes).toMatchObject({ workflowId: seed.offByDefault.id, credentialId: seed.credential.id });
      expect(byType('workflow.disabled')[0]!.actor).toEqual({ kind: 'user', name: sub });
    });

    it('pages with an opaque cursor without duplicates or gaps, even while changes keep coming', async () => {
      const all = (await page(`/users/${sub}/events?limit=200`)).data;
      for (const limit of [1, 2, 3]) {
        const walked = await walk(`/users/${sub}/events`, limit);
        expect(walked.map((e) => e.id)).toEqual(all.map((e) => e.id));
      }
      // A change made while paging lands on top, not in the pages still to come.
      const walked = await walk(`/users/${sub}/events`, 2, async () => {
        await portico.connect(sub, 'PATCH', '/sdk/me', { meta: { late: true } });
      });
      expect(walked.map((e) => e.id)).toEqual(all.map((e) => e.id));
      const now = (await page(`/users/${sub}/events?limit=1`)).data[0]!;
      expect(now).toMatchObject({ type: 'user.metadata.updated', changes: { keys: ['late'] } });
    });

    it('lists the project timeline by type and time', async () => {
      const updates = await walk('/events?type=user.metadata.updated', 2);
      expect(updates.every((e) => e.type === 'user.metadata.updated')).toBe(true);
      expect(new Set(updates.map((e) => e.userId))).toEqual(new Set([sub, 'someone-else']));
      const two = (await page('/events?type=integration.installed,integration.uninstalled&limit=200')).data;
      expect(two.map((e) => e.type)).toEqual(['integration.uninstalled', 'integration.installed']);
      const everything = await walk('/events', 4);
      expect(new Set(everything.map((e) => e.id)).size).toBe(everything.length);
      expect(everything.some((e) => e.type === 'project.changed' && e.userId === null)).toBe(true);
      const pivot = everything.find((e) => e.type === 'workflow.enabled')!;
      const after = (await page(`/events?after=${encodeURIComponent(pivot.at)}&limit=200`)).data;
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((e) => Date.parse(e.at) > Date.parse(pivot.at))).toBe(true);
      expect(after.map((e) => e.type)).toContain('integration.uninstalled');
      expect(after.map((e) => e.type)).not.toContain('integration.installed');
    });

    it('refuses bad paging input and unknown users', async () => {
      for (const query of ['limit=0', 'limit=201', 'limit=ten', 'cursor=not-a-cursor', `cursor=${Buffer.from('[-5]').toString('base64url')}`]) {
        const response = await portico.admin('GET', `/users/${sub}/events?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json().code).toBe('VALIDATION_FAILED');
      }
      expect((await portico.admin('GET', '/events?after=yesterday')).statusCode).toBe(400);
      expect((await portico.admin('GET', '/events?type=DROP%20TABLE')).statusCode).toBe(400);
      const unknown = await portico.admin('GET', '/users/nobody-here/events');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('USER_NOT_FOUND');
      const other = await portico.createProject();
      const foreign = await portico.app.inject({ method: 'GET', url: `/api/v1/projects/${other.projectId}/users/${sub}/events`, headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(foreign.statusCode).toBe(404);
    });
  });
}
