import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('Admin API (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  const adminAs = (key: string | undefined, path: string, projectId = portico.project.projectId) =>
    portico.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${projectId}${path}`,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });

  it('needs the project API key: missing, unknown and other-project keys get 401', async () => {
    expect((await adminAs(undefined, '/integrations')).json().code).toBe('AUTHORIZATION_MISSING');
    const unknown = await adminAs('prt_not-a-real-key', '/integrations');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().code).toBe('API_KEY_INVALID');
    const other = await portico.createProject();
    expect((await adminAs(other.apiKey, '/integrations')).json().code).toBe('API_KEY_INVALID');
    expect((await adminAs(other.apiKey, '/integrations', other.projectId)).statusCode).toBe(200);
  });

  it('refuses a User Token on the Admin API', async () => {
    const response = await adminAs(await portico.token('u'), '/integrations');
    expect(response.statusCode).toBe(401);
  });

  it('creates built-in and custom integrations, answering 201 with the object', async () => {
    const created = await portico.admin('POST', '/integrations', { type: 'hubspot' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ type: 'hubspot', name: 'HubSpot', isActive: true });
    expect(created.json().id).toMatch(/^[0-9a-f-]{36}$/);

    const custom = await portico.admin('POST', '/integrations', { type: 'custom', name: 'Task Lab' });
    expect(custom.json()).toMatchObject({ type: 'custom.tasklab', name: 'Task Lab' });

    const list = (await portico.admin('GET', '/integrations')).json().data.map((i: { type: string }) => i.type);
    expect(list).toEqual(['hubspot', 'custom.tasklab']);
    expect((await portico.admin('GET', '/integrations/hubspot')).json().id).toBe(created.json().id);
  });

  it('explains unknown types and refuses duplicates', async () => {
    const unknown = await portico.admin('POST', '/integrations', { type: 'myspace' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('INTEGRATION_TYPE_UNKNOWN');
    expect(unknown.json().message).toContain('salesforce');
    const duplicate = await portico.admin('POST', '/integrations', { type: 'hubspot' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().code).toBe('INTEGRATION_ALREADY_EXISTS');
    for (const type of ['custom.', 'custom.!!!', `custom.${'a'.repeat(64)}`]) {
      const badCustom = await portico.admin('POST', '/integrations', { type });
      expect(badCustom.json().code, type).toBe('INTEGRATION_TYPE_UNKNOWN');
    }
  });

  it('creates workflows on an integration, by type or id', async () => {
    const byType = await portico.admin('POST', '/workflows', { name: 'Sync', integration: 'hubspot', defaultEnabled: true });
    expect(byType.statusCode).toBe(201);
    expect(byType.json()).toMatchObject({ name: 'Sync', integration: 'hubspot', defaultEnabled: true });
    const hubspot = (await portico.admin('GET', '/integrations/hubspot')).json();
    const byId = await portico.admin('POST', '/workflows', { name: 'Other', integration: hubspot.id });
    expect(byId.json()).toMatchObject({ integrationId: hubspot.id, defaultEnabled: false });
    expect((await portico.admin('GET', '/workflows')).json().data).toHaveLength(2);
    const missing = await portico.admin('POST', '/workflows', { name: 'x', integration: 'zendesk' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('INTEGRATION_NOT_FOUND');
  });

  it('imports a credential (creating the user), visible through /sdk/me and GET /users/{id}', async () => {
    const imported = await portico.admin('POST', '/users/migrated%40acme/credentials', {
      integration: 'hubspot',
      accessToken: 'hs-access',
      refreshToken: 'hs-refresh',
      expiresAt: '2030-01-01T00:00:00Z',
      providerId: 'portal-1',
      providerData: { hubDomain: 'acme.com' },
    });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ status: 'VALID', providerId: 'portal-1', dateValidUntil: '2030-01-01T00:00:00.000Z' });
    expect(imported.body).not.toContain('hs-access');

    const user = await portico.admin('GET', '/users/migrated%40acme');
    expect(user.statusCode).toBe(200);
    expect(user.json()).toMatchObject({ userId: 'migrated@acme', active: true, integrations: { hubspot: { enabled: true, providerId: 'portal-1' } } });
    expect(user.json().dateCreated).toBeTruthy();
    const me = (await portico.connect('migrated@acme', 'GET', '/sdk/me')).json();
    expect(me.integrations.hubspot.credentialId).toBe(imported.json().id);
  });

  it('validates the import body', async () => {
    const cases: unknown[] = [
      { integration: 'hubspot' },
      { integration: 'hubspot', accessToken: '' },
      { integration: 'hubspot', accessToken: 'x', status: 'EXPIRED' },
      { integration: 'hubspot', accessToken: 'x', expiresAt: 'tomorrow' },
    ];
    for (const body of cases) {
      const response = await portico.admin('POST', '/users/v/credentials', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    expect((await portico.admin('GET', '/users/v')).statusCode).toBe(404);
  });

  it('refuses control characters in a user id', async () => {
    const response = await portico.admin('GET', '/users/bad%00id');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('keeps credential tokens encrypted at rest', async () => {
    await portico.admin('POST', '/users/secret-check/credentials', { integration: 'hubspot', accessToken: 'PLAINTEXT-ACCESS-TOKEN-42', refreshToken: 'PLAINTEXT-REFRESH-42' });
    const rows = await portico.store.db.selectFrom('credentials').select('secrets').execute();
    const dump = rows.map((r) => r.secrets).join('\n');
    expect(dump).not.toContain('PLAINTEXT-ACCESS-TOKEN-42');
    expect(dump).not.toContain('PLAINTEXT-REFRESH-42');
    expect(rows.every((r) => r.secrets.startsWith('v1.'))).toBe(true);
    const keys = await portico.store.db.selectFrom('api_keys').select('key_hash').execute();
    expect(keys.map((k) => k.key_hash)).not.toContain(portico.project.apiKey);
  });
});
