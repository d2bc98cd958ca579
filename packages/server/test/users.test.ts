import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(STORES)('GET /sdk/me (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  it('creates the Connected User on the first authenticated call', async () => {
    expect((await portico.admin('GET', '/users/first-call')).statusCode).toBe(404);
    const response = await portico.connect('first-call', 'GET', '/sdk/me');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ authenticated: true, userId: 'first-call', meta: {}, resources: [] });
    const admin = await portico.admin('GET', '/users/first-call');
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toMatchObject({ userId: 'first-call', active: true });
    expect(admin.json().id).toMatch(UUID_V4);
    expect(Date.parse(admin.json().dateLastActive)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keys every project integration by type; connected ones carry credentials and configurations', async () => {
    const { credential, onByDefault, offByDefault } = await seedSalesforce(portico, 'acme');
    await portico.admin('POST', '/integrations', { type: 'slack' });
    await portico.admin('POST', '/integrations', { type: 'custom', name: 'TaskLab' });
    const me = (await portico.connect('acme', 'GET', '/sdk/me')).json();

    expect(Object.keys(me.integrations).sort()).toEqual(['custom.tasklab', 'salesforce', 'slack']);
    expect(me.integrations.slack).toEqual({ enabled: false, allCredentials: [] });
    const salesforce = me.integrations.salesforce;
    expect(salesforce).toMatchObject({
      enabled: true,
      credentialStatus: 'VALID',
      credentialId: credential.id,
      providerId: '00502000000abc',
      providerData: { instanceURL: 'https://acme.my.salesforce.com' },
      sharedSettings: {},
      workflowSettings: { [onByDefault.id]: { enabled: true, settings: {} } },
    });
    expect(salesforce.workflowSettings[offByDefault.id]).toBeUndefined();
    expect(salesforce.credentialConfigId).toMatch(UUID_V4);
    expect(salesforce.allCredentials).toHaveLength(1);
    const [wire] = salesforce.allCredentials;
    expect(wire).toMatchObject({ id: credential.id, status: 'VALID', isPreviewCredential: false, refreshFailureCount: 0 });
    expect(wire.id).toMatch(UUID_V4);
    expect(wire.configurations).toHaveLength(1);
    expect(wire.configurations[0]).toMatchObject({ id: salesforce.credentialConfigId, isDefault: true, connectCredentialId: credential.id });
    expect(JSON.stringify(me)).not.toContain('sf-access-token');
  });

  it('shows an INVALID credential as enabled: false', async () => {
    await portico.admin('POST', '/users/broken/credentials', { integration: 'salesforce', accessToken: 'x', status: 'INVALID' });
    const me = (await portico.connect('broken', 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce).toMatchObject({ enabled: false, credentialStatus: 'INVALID' });
  });

  it('lists the accessible features of the plan', async () => {
    const me = (await portico.connect('features', 'GET', '/sdk/me')).json();
    expect(me.project).toMatchObject({ id: portico.project.projectId, billingPlan: 'connect_enterprise' });
    expect(me.project.accessibleFeatures).toEqual(expect.arrayContaining(['headless-cp', 'user-metadata', 'workflow-permissions']));
  });

  it('merges the legacy X-Paragon-User-Metadata header, normalizing name and email', async () => {
    const header = JSON.stringify({ name: 'Ada', ' EMAIL ': 'ada@example.com', plan: 'pro' });
    const response = await portico.connect('legacy', 'GET', '/sdk/me', undefined, { 'x-paragon-user-metadata': header });
    expect(response.statusCode).toBe(200);
    expect(response.json().meta).toEqual({ Name: 'Ada', Email: 'ada@example.com', plan: 'pro' });
    expect((await portico.admin('GET', '/users/legacy')).json().meta).toEqual({ Name: 'Ada', Email: 'ada@example.com', plan: 'pro' });
  });

  it('refuses a header that is not a JSON object', async () => {
    for (const header of ['{not json', '[1,2]', '"text"']) {
      const response = await portico.connect('legacy-bad', 'GET', '/sdk/me', undefined, { 'x-paragon-user-metadata': header });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('USER_METADATA_HEADER_INVALID');
    }
  });
});

describe.each(STORES)('plans (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { plan: 'basic' });
  });
  afterAll(() => portico.close());

  it('gives a basic project no features and refuses metadata writes with 403 FEATURE_NOT_IN_PLAN', async () => {
    const me = (await portico.connect('b', 'GET', '/sdk/me')).json();
    expect(me.project).toMatchObject({ billingPlan: 'basic', accessibleFeatures: [] });
    const patch = await portico.connect('b', 'PATCH', '/sdk/me', { meta: { a: 1 } });
    expect(patch.statusCode).toBe(403);
    expect(patch.json()).toMatchObject({ code: 'FEATURE_NOT_IN_PLAN', meta: { feature: 'user-metadata', plan: 'basic' } });
    expect((await portico.admin('GET', '/users/b')).json().meta).toEqual({});
  });

  it('gives a pro project the pro features', async () => {
    const pro = await portico.createProject('pro');
    const response = await portico.app.inject({
      method: 'GET',
      url: `/projects/${pro.projectId}/sdk/me`,
      headers: { authorization: `Bearer ${await portico.token('p', { project: pro })}` },
    });
    expect(response.json().project.accessibleFeatures.sort()).toEqual(['byo', 'headless-cp', 'monitoring', 'user-metadata', 'whitelabel']);
  });
});

describe.each(STORES)('SDK 1.0.x bootstrap (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  it('GET /sdk/projects/{pid} answers the project and merges header metadata', async () => {
    const response = await portico.app.inject({
      method: 'GET',
      url: `/sdk/projects/${portico.project.projectId}`,
      headers: {
        authorization: `Bearer ${await portico.token('old-sdk')}`,
        'x-paragon-cache-metadata': '1',
        'x-paragon-user-metadata': JSON.stringify({ email: 'old@example.com' }),
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ id: portico.project.projectId, billingPlan: 'connect_enterprise' });
    expect((await portico.admin('GET', '/users/old-sdk')).json().meta).toEqual({ Email: 'old@example.com' });
  });
});
