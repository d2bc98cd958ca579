import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, seedSalesforce, signToken, startPortico, type Portico } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';
import { fillPath, routeCatalog, type CatalogRoute } from './support/route-catalog.ts';

/** Bodies that would change something if a request got past authentication. */
function harmfulBody(route: CatalogRoute, ids: Record<string, string>): unknown {
  const byProps: Record<string, unknown> = {
    meta: { hijacked: true },
    config: { sharedSettings: { hijacked: true } },
    type: 'hubspot',
    name: 'hijacked',
    integration: 'salesforce',
    accessToken: 'attacker-token',
    publicKeyPem: ids.attackerPublicKey,
  };
  return route.bodyProps.length === 0 ? undefined : Object.fromEntries(route.bodyProps.filter((p) => p in byProps).map((p) => [p, byProps[p]]));
}

describe.each(STORES)('tenant isolation (%s)', (kind) => {
  let portico: Portico;
  let other: CreatedProject;
  let routes: CatalogRoute[];
  const victim: Record<string, string> = {};
  /** Strings of the victim's that must never appear in a response to someone else. */
  let victimSecrets: string[] = [];

  const call = (method: CatalogRoute['method'], url: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) =>
    portico.app.inject({ method, url, headers: { authorization: `Bearer ${bearer}`, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });

  /** No victim secret in the answer, other than ids the caller sent itself (error messages echo them). */
  function expectNothingLeaked(response: LightMyRequestResponse, what: string, sent = '') {
    for (const secret of victimSecrets) {
      if (sent.includes(secret)) continue;
      expect(response.body.includes(secret), `${what} leaked ${secret}: ${response.body}`).toBe(false);
    }
  }

  beforeAll(async () => {
    portico = await startPortico(kind);
    other = await portico.createProject();
    const seeded = await seedSalesforce(portico, 'alice', { externalId: 'alice-sf', accessToken: 'ALICE-ACCESS-TOKEN', refreshToken: 'ALICE-REFRESH-TOKEN' });
    await portico.connect('alice', 'PATCH', '/sdk/me', { meta: { Email: 'alice@victim.example', note: 'ALICE-PRIVATE-NOTE' } });
    const bob = (await portico.admin('POST', '/users/bob/credentials', { integration: 'salesforce', accessToken: 'BOB-ACCESS-TOKEN' })).json();
    Object.assign(victim, {
      projectId: portico.project.projectId, integrationId: seeded.integration.id, workflowId: seeded.onByDefault.id,
      credentialId: seeded.credential.id, configurationId: seeded.credential.configurations[0].id, bobCredentialId: bob.id, userId: 'alice',
    });
    victimSecrets = ['ALICE-ACCESS-TOKEN', 'ALICE-REFRESH-TOKEN', 'ALICE-PRIVATE-NOTE', 'alice@victim.example', seeded.credential.id, seeded.credential.configurations[0].id, 'alice-sf'];

    // The other project has its own "alice" (same sub) and its own Salesforce integration.
    const otherAdmin = (method: 'POST', path: string, body: unknown) => call(method, `/api/v1/projects/${other.projectId}${path}`, other.apiKey, body);
    await otherAdmin('POST', '/integrations', { type: 'salesforce' });
    await otherAdmin('POST', '/workflows', { name: 'Other sync', integration: 'salesforce' });
    await otherAdmin('POST', '/users/alice/credentials', { integration: 'salesforce', accessToken: 'OTHER-ALICE-TOKEN' });
    routes = (await routeCatalog(portico.app)).filter((r) => r.auth !== 'public');
  });
  afterAll(() => portico.close());

  const victimUrl = (route: CatalogRoute) => fillPath(route.path, victim);

  it('refuses, on every Connect and Admin route of a project, the tokens and API keys of another project', async () => {
    const before = await fingerprint(portico.store);
    const otherToken = await signToken(other, 'alice');
    const otherTokenClaimingVictim = await signToken(other, 'alice', { aud: `useparagon.com/${victim.projectId}` });
    const victimToken = await portico.token('alice');
    const attackerPublicKey = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    let calls = 0;
    for (const route of routes) {
      const credentials = route.auth === 'connect'
        ? [otherToken, otherTokenClaimingVictim, other.apiKey, portico.project.apiKey]
        : [other.apiKey, otherToken, victimToken];
      for (const bearer of credentials) {
        const response = await call(route.method, victimUrl(route), bearer, harmfulBody(route, { attackerPublicKey }), { 'x-paragon-credential': victim.credentialId! });
        calls++;
        expect(response.statusCode, `${route.method} ${route.path}: ${response.body}`).toBe(401);
        expectNothingLeaked(response, `${route.method} ${route.path}`);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(routes.length * 3);
    console.info(`isolation (${kind}): ${calls} foreign-credential calls over ${routes.length} routes, all 401`);
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
  });

  it("gives another user of the same project nothing of the victim's, by id, externalId or header", async () => {
    const before = await fingerprint(portico.store);
    const bob = await portico.token('bob');
    const sdk = `/projects/${victim.projectId}/sdk`;
    const refusals: Array<[CatalogRoute['method'], string, unknown, Record<string, string>, string]> = [
      ['GET', `${sdk}/credentials/${victim.credentialId}`, undefined, {}, 'CREDENTIAL_NOT_FOUND'],
      ['GET', `${sdk}/credentials/ext:alice-sf`, undefined, {}, 'CREDENTIAL_NOT_FOUND'],
      ['PATCH', `${sdk}/credentials/${victim.credentialId}`, { config: { sharedSettings: { hijacked: true } } }, {}, 'CREDENTIAL_NOT_FOUND'],
      ['PATCH', `${sdk}/credentials/${victim.bobCredentialId}`, { config: { sharedSettings: { hijacked: true } } }, { 'x-paragon-configuration-id': victim.configurationId! }, 'CONFIGURATION_NOT_FOUND'],
      ['DELETE', `${sdk}/integrations/salesforce`, undefined, { 'x-paragon-credential': victim.credentialId! }, 'CREDENTIAL_NOT_FOUND'],
      ['DELETE', `${sdk}/integrations/${victim.integrationId}`, undefined, { 'x-paragon-credential': 'ext:alice-sf' }, 'CREDENTIAL_NOT_FOUND'],
      ['POST', `${sdk}/workflows/${victim.workflowId}`, undefined, { 'x-paragon-credential': victim.credentialId! }, 'CREDENTIAL_NOT_FOUND'],
      ['DELETE', `${sdk}/workflows/${victim.workflowId}`, undefined, { 'x-paragon-credential': victim.credentialId! }, 'CREDENTIAL_NOT_FOUND'],
      ['POST', `${sdk}/workflows/${victim.workflowId}`, undefined, { 'x-paragon-configuration-id': victim.configurationId! }, 'CONFIGURATION_NOT_FOUND'],
      ['GET', `${sdk}/credentials?integration=salesforce&includeAccountAuth=true`, undefined, { 'x-paragon-credential': victim.credentialId! }, 'CREDENTIAL_NOT_FOUND'],
    ];
    for (const [method, url, body, headers, code] of refusals) {
      const response = await call(method, url, bob, body, headers);
      expect(response.json(), `${method} ${url}`).toMatchObject({ status: 404, code });
      expectNothingLeaked(response, `${method} ${url}`, url + JSON.stringify([headers, body]));
    }
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
    for (const url of [`${sdk}/me`, `${sdk}/credentials`, `${sdk}/integrations`, `${sdk}/credentials?integration=salesforce&includeAccountAuth=true`]) {
      const response = await call('GET', url, bob);
      expect(response.statusCode, url).toBe(200);
      expectNothingLeaked(response, url);
    }
    expect((await call('PATCH', `${sdk}/me`, bob, { meta: { note: 'bob' } })).statusCode).toBe(200);
    const alice = (await portico.admin('GET', '/users/alice')).json();
    expect(alice.meta).toEqual({ Email: 'alice@victim.example', note: 'ALICE-PRIVATE-NOTE' });
    expect(alice.integrations.salesforce.credentialId).toBe(victim.credentialId);
  });

  it("gives another project's users and API key nothing of this project's, even with this project's ids and the same sub", async () => {
    const before = await fingerprint(portico.store);
    const otherAlice = await signToken(other, 'alice');
    const sdk = `/projects/${other.projectId}/sdk`;
    const admin = `/api/v1/projects/${other.projectId}`;
    const refusals: Array<[CatalogRoute['method'], string, string, unknown, Record<string, string>, string]> = [
      ['GET', `${sdk}/credentials/${victim.credentialId}`, otherAlice, undefined, {}, 'CREDENTIAL_NOT_FOUND'],
      ['PATCH', `${sdk}/credentials/${victim.credentialId}`, otherAlice, { config: { sharedSettings: { x: 1 } } }, {}, 'CREDENTIAL_NOT_FOUND'],
      ['POST', `${sdk}/workflows/${victim.workflowId}`, otherAlice, undefined, {}, 'WORKFLOW_NOT_FOUND'],
      ['DELETE', `${sdk}/workflows/${victim.workflowId}`, otherAlice, undefined, {}, 'WORKFLOW_NOT_FOUND'],
      ['DELETE', `${sdk}/integrations/${victim.integrationId}`, otherAlice, undefined, {}, 'INTEGRATION_NOT_FOUND'],
      ['DELETE', `${sdk}/integrations/salesforce`, otherAlice, undefined, { 'x-paragon-credential': victim.credentialId! }, 'CREDENTIAL_NOT_FOUND'],
      ['GET', `${admin}/integrations/${victim.integrationId}`, other.apiKey, undefined, {}, 'INTEGRATION_NOT_FOUND'],
      ['POST', `${admin}/workflows`, other.apiKey, { name: 'x', integration: victim.integrationId }, {}, 'INTEGRATION_NOT_FOUND'],
      ['POST', `${admin}/users/alice/credentials`, other.apiKey, { integration: victim.integrationId, accessToken: 'x' }, {}, 'INTEGRATION_NOT_FOUND'],
      ['GET', `${admin}/users/bob`, other.apiKey, undefined, {}, 'USER_NOT_FOUND'],
    ];
    for (const [method, url, bearer, body, headers, code] of refusals) {
      const response = await call(method, url, bearer, body, headers);
      expect(response.json(), `${method} ${url}`).toMatchObject({ status: 404, code });
      expectNothingLeaked(response, `${method} ${url}`, url + JSON.stringify([headers, body]));
    }
    expect((await fingerprint(portico.store)).hash).toBe(before.hash);
    const reads = [
      [`${sdk}/me`, otherAlice], [`${sdk}/credentials`, otherAlice], [`${sdk}/integrations`, otherAlice],
      [`${sdk}/credentials?integration=salesforce&includeAccountAuth=true`, otherAlice],
      [`${admin}/users/alice`, other.apiKey], [`${admin}/integrations`, other.apiKey], [`${admin}/workflows`, other.apiKey],
      ...routes.filter((r) => r.auth === 'admin' && r.method === 'GET' && r.pathParams.length === 1).map((r) => [fillPath(r.path, { projectId: other.projectId }), other.apiKey]),
    ] as const;
    for (const [url, bearer] of reads) {
      const response = await call('GET', url, bearer);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expectNothingLeaked(response, url);
      expect(response.body.includes(victim.integrationId!), url).toBe(false);
    }
  });
});
