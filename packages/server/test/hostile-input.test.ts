import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';
import { fillPath, routeCatalog } from './support/route-catalog.ts';

const nest = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe.each(STORES)('hostile input is refused with a 4xx and changes nothing (%s)', (kind) => {
  let portico: Portico;
  let credentialId: string;

  beforeAll(async () => {
    portico = await startPortico(kind);
    credentialId = (await seedSalesforce(portico, 'victim')).credential.id;
  });
  afterAll(() => portico.close());

  const patch = (sdkPath: string, payload: string, headers: Record<string, string> = {}) =>
    portico.connect('victim', 'PATCH', sdkPath, payload, { 'content-type': 'application/json', ...headers });

  it('refuses JSON nested deeper than 32 levels in any body, however deep, before any handler runs', async () => {
    const before = await fingerprint(portico.store);
    // 60,000 levels: 120 KB, under the 128 KiB limit of the settings route.
    for (const depth of [33, 1000, 60_000]) {
      const settings = await patch(`/sdk/credentials/${credentialId}`, `{"config":{"sharedSettings":{"k":${nest(depth)}}}}`);
      expect(settings.json(), `depth ${depth}`).toMatchObject({ status: 400, code: 'JSON_TOO_DEEP', meta: { in: 'body' } });
    }
    const deepProvider = await portico.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${portico.project.projectId}/users/victim/credentials`,
      headers: { authorization: `Bearer ${portico.project.apiKey}`, 'content-type': 'application/json' },
      payload: `{"integration":"salesforce","accessToken":"t","providerData":{"k":${nest(5000)}}}`,
    });
    expect(deepProvider.json()).toMatchObject({ status: 400, code: 'JSON_TOO_DEEP' });
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('refuses unpaired surrogates in bodies, metadata headers, query strings and paths', async () => {
    const before = await fingerprint(portico.store);
    expect((await patch('/sdk/me', '{"meta":{"a":"\\ud800"}}')).json()).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS' });
    expect((await patch('/sdk/me', '{"meta":{"\\udc00":1}}')).json()).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS' });
    const header = await portico.connect('victim', 'GET', '/sdk/me', undefined, { 'x-paragon-user-metadata': '{"a":"x\\udfff"}' });
    expect(header.json()).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS' });
    const query = await portico.connect('victim', 'GET', '/sdk/credentials?integration=%ED%A0%80');
    expect(query.statusCode).toBeGreaterThanOrEqual(400);
    expect(query.statusCode).toBeLessThan(500);
    const path = await portico.admin('GET', '/users/a%00b');
    expect(path.statusCode).toBe(400);
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it('refuses tokens whose sub holds an unpaired surrogate or NUL on every Connect route', async () => {
    const routes = (await routeCatalog(portico.app)).filter((r) => r.auth === 'connect');
    const before = await fingerprint(portico.store);
    for (const sub of ['\ud800', 'a\udc00b', 'x\u0000y']) {
      const token = await portico.token(sub);
      for (const route of routes) {
        const url = fillPath(route.path, { projectId: portico.project.projectId, credentialId, integrationId: 'salesforce', workflowId: credentialId });
        const response = await portico.app.inject({ method: route.method, url, headers: { authorization: `Bearer ${token}` } });
        expect(response.json(), `${route.method} ${route.path}`).toMatchObject({ status: 401, code: 'TOKEN_CLAIM_INVALID' });
      }
    }
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });
});
