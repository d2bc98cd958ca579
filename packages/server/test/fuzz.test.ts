import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/platform/errors.ts';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { fingerprint, type Fingerprint } from './support/db-fingerprint.ts';
import { fuzzCase, type FuzzCase } from './support/fuzz-arbitraries.ts';
import { fillPath, routeCatalog, type CatalogRoute } from './support/route-catalog.ts';

/** Cases per route per store; `PORTICO_FUZZ_RUNS=2000 npx vitest run test/fuzz.test.ts` for a long run. */
const RUNS = Number(process.env.PORTICO_FUZZ_RUNS ?? 200);
const SEED = process.env.PORTICO_FUZZ_SEED === undefined ? undefined : Number(process.env.PORTICO_FUZZ_SEED);
/** A route whose handler is slow (RSA key generation) stops early rather than stretch the suite. */
const TIME_PER_ROUTE_MS = Number(process.env.PORTICO_FUZZ_MS_PER_ROUTE ?? 4000);
const SUBS = ['alice', 'bob', 'carol'];

const ROUTES = await (async () => {
  const probe = await startPortico('sqlite');
  try {
    // Routes that replace keys go last, so the others run with working credentials.
    const keyRoutes = (r: CatalogRoute) => (/signing-keys|api-keys/.test(r.path) ? 1 : 0);
    return (await routeCatalog(probe.app)).sort((a, b) => keyRoutes(a) - keyRoutes(b));
  } finally {
    await probe.close();
  }
})();

describe.each(STORES)('fuzzing every route (%s)', (kind) => {
  let portico: Portico;
  const tokens = new Map<string, string>();
  const known = { ids: [] as string[], values: [] as unknown[] };
  const tally = { cases: 0, byStatus: {} as Record<number, number> };
  /** fast-check's time limit can abandon a run mid-request; the next route waits for it to land. */
  let inFlight: Promise<unknown> | undefined;

  beforeAll(async () => {
    portico = await startPortico(kind);
    const seeded = await seedSalesforce(portico, 'alice', { externalId: 'alice-sf' });
    await portico.admin('POST', '/integrations', { type: 'hubspot' });
    await portico.admin('POST', '/integrations', { type: 'custom', name: 'Task Lab' });
    // The proxy routes must not leave the machine: a loopback API, which the SSRF guard refuses (403) without an allow-list.
    await portico.admin('PATCH', '/integrations/salesforce', { overrides: { apiBaseUrl: 'http://127.0.0.1:9/services/data/v60.0' } });
    const bob = (await portico.admin('POST', '/users/bob/credentials', { integration: 'salesforce', accessToken: 'bob-token', status: 'INVALID' })).json();
    for (const sub of SUBS) {
      tokens.set(sub, await portico.token(sub));
      await portico.connect(sub, 'GET', '/sdk/me');
    }
    const ids = [
      seeded.integration.id, seeded.onByDefault.id, seeded.offByDefault.id, seeded.credential.id, seeded.credential.configurations[0].id,
      bob.id, bob.configurations[0].id, 'alice-sf', 'ext:alice-sf', 'salesforce', 'hubspot', 'custom.task-lab', 'custom', 'alice', 'bob',
      portico.project.projectId, '00000000-0000-4000-8000-000000000000',
    ];
    known.ids.push(...ids);
    known.values.push(...ids, true, false, 0, -1, 1e308, null, 'VALID', 'INVALID', 'PENDING', '2031-01-01T00:00:00Z', 'not-a-date', [], {},
      { [seeded.onByDefault.id]: { enabled: true, settings: { a: 1 } } }, { [seeded.offByDefault.id]: { enabled: false } }, { sharedSettings: { a: 1 } },
      { workflowSettings: { [seeded.onByDefault.id]: { enabled: true } } }, { Name: 'A', email: 'a@b.c', nested: { deep: [1, 2] } });
  });

  afterAll(async () => {
    console.info(`fuzz (${kind}): ${tally.cases} cases over ${ROUTES.length} routes; statuses ${JSON.stringify(tally.byStatus)}`);
    await portico.close();
  });

  function request(route: CatalogRoute, c: FuzzCase, sub: string) {
    const projectId = c.projectIdValid ? portico.project.projectId : encodeURIComponent(c.params.projectId ?? 'not-a-project');
    const url = fillPath(route.path, { ...c.params, projectId }) + c.query;
    const credential = route.auth === 'admin' ? portico.project.apiKey : tokens.get(sub)!;
    const authorization = c.authorization === 'valid' ? `Bearer ${credential}` : c.authorization;
    const headers: Record<string, string> = { ...c.headers };
    if (authorization !== '') headers.authorization = authorization;
    const response = portico.app.inject({ method: route.method, url, headers, ...(c.body === undefined ? {} : { payload: c.body }) });
    inFlight = response.catch(() => undefined);
    return response;
  }

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: never 5xx, always the error envelope, no write on refusal', async (_name, route) => {
    await inFlight;
    let before: Fingerprint | undefined;
    await fc.assert(
      fc.asyncProperty(fuzzCase(route, known), fc.constantFrom(...SUBS), async (c, sub) => {
        before ??= await fingerprint(portico.store);
        const response = await request(route, c, sub);
        tally.cases++;
        tally.byStatus[response.statusCode] = (tally.byStatus[response.statusCode] ?? 0) + 1;
        expect(response.statusCode, response.body).toBeLessThan(500);
        if (response.statusCode < 400) {
          before = undefined;
          return;
        }
        const body = response.json() as { code: keyof typeof ERROR_CODES; status: number; message: string };
        expect(Object.keys(ERROR_CODES), response.body).toContain(body.code);
        expect(body.status).toBe(response.statusCode);
        expect(typeof body.message).toBe('string');
        const after = await fingerprint(portico.store);
        expect(after.hash, `${response.statusCode} ${response.body} changed the database`).toBe(before.hash);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, interruptAfterTimeLimit: TIME_PER_ROUTE_MS, markInterruptAsFailure: false },
    );
    await inFlight;
  }, 120_000);
});
