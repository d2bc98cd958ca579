import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientSecret } from '../src/domain/integrations/index.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

const PUBLIC_URL = 'https://portico.example.com';

describe.each(STORES)('configuring integrations through the Admin API (%s)', (kind) => {
  let portico: Portico;

  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_PUBLIC_URL: PUBLIC_URL, PORTICO_PROJECT_CACHE_TTL_MS: '1000' } });
  });
  afterAll(() => portico.close());

  const storedSecret = async (id: string) =>
    (await portico.store.db.selectFrom('integrations').select('client_secret').where('id', '=', id).executeTakeFirstOrThrow()).client_secret;

  async function eventsOf(type: string): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from events where type = ${type} and project_id = ${portico.project.projectId}`.execute(portico.store.db);
    return Number(rows[0]!.n);
  }

  it('adds a built-in with its OAuth client: the secret is sealed at rest and never returned; the redirect URI to register is given', async () => {
    const response = await portico.admin('POST', '/integrations', {
      type: 'hubspot', clientId: 'hub-client', clientSecret: 'HUB-SECRET-VALUE', scopes: ['crm.objects.contacts.read', 'oauth'],
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      type: 'hubspot', scheme: 'oauth2', clientId: 'hub-client', hasClientSecret: true, scopes: ['crm.objects.contacts.read', 'oauth'],
      redirectUri: `${PUBLIC_URL}/oauth`,
    });
    expect(response.body).not.toContain('HUB-SECRET-VALUE');

    const sealed = await storedSecret(body.id);
    expect(sealed).toMatch(/^v1\.a1\./);
    expect(sealed).not.toContain('HUB-SECRET');
    expect(await readClientSecret(portico.ctx, body.id)).toBe('HUB-SECRET-VALUE');

    const listed = (await portico.admin('GET', '/integrations')).json().data.find((i: { type: string }) => i.type === 'hubspot');
    expect(listed).toMatchObject({ hasClientSecret: true, redirectUri: `${PUBLIC_URL}/oauth` });
    expect(JSON.stringify(listed)).not.toContain('HUB-SECRET');
  });

  it('adds a custom OAuth 2.0 provider under custom.<slug of its name>, and a custom API-key provider', async () => {
    const oauth = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'ACME-SECRET',
      auth: {
        scheme: 'oauth2', authorizationUrl: 'https://auth.acme.test/authorize', tokenUrl: 'https://auth.acme.test/token',
        scopes: ['read', 'write'], pkce: true, accountUrl: 'https://auth.acme.test/userinfo', accountIdField: 'account.id',
      },
      apiBaseUrl: 'https://api.acme.test/v2',
    });
    expect(oauth.statusCode, oauth.body).toBe(201);
    expect(oauth.json()).toMatchObject({
      type: 'custom.acmecrm', name: 'Acme CRM', scheme: 'oauth2', hasClientSecret: true, apiBaseUrl: 'https://api.acme.test/v2',
      auth: { scheme: 'oauth2', tokenUrl: 'https://auth.acme.test/token', pkce: true, accountIdField: 'account.id' },
    });

    const apiKey = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Key Store',
      auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }, { id: 'region', title: 'Region', required: false }] },
      apiBaseUrl: 'https://keys.example.com',
    });
    expect(apiKey.statusCode, apiKey.body).toBe(201);
    expect(apiKey.json()).toMatchObject({
      type: 'custom.keystore', scheme: 'api_key', hasClientSecret: false,
      auth: { inputs: [{ id: 'apiKey', type: 'password', required: true }, { id: 'region', type: 'text', required: false }] },
    });

    // The SDK sees the API-key integration's inputs and knows it is not OAuth.
    const sdk = (await portico.connect('dev', 'GET', '/sdk/integrations')).json();
    const keyStore = sdk.find((i: { customIntegration: { slug: string } | null }) => i.customIntegration?.slug === 'custom.keystore');
    expect(keyStore).toMatchObject({ type: 'custom', authenticationType: 'basic', customIntegration: { inputFields: [{ id: 'apiKey', type: 'PASSWORD', required: true }, { id: 'region', type: 'TEXT_NO_VARS' }] } });
    expect(sdk.find((i: { customIntegration: { slug: string } | null }) => i.customIntegration?.slug === 'custom.acmecrm')).toMatchObject({ authenticationType: 'oauth' });
  });

  it('refuses bad configurations with errors that point at the field, and stores nothing', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ type: 'custom', name: 'Bad Urls', auth: { scheme: 'oauth2', authorizationUrl: 'ftp://x.test/a', tokenUrl: 'not a url' } }, ['/auth/authorizationUrl', '/auth/tokenUrl']],
      [{ type: 'custom', name: 'No Token', auth: { scheme: 'oauth2', authorizationUrl: 'https://x.test/a' } }, ['/auth/tokenUrl']],
      [{ type: 'custom', name: 'No Scheme', auth: { tokenUrl: 'https://x.test/t' } }, ['/auth/scheme']],
      [{ type: 'custom', name: 'Key Mix', clientId: 'c', auth: { scheme: 'api_key', inputs: [{ id: 'k', title: 'K' }], tokenUrl: 'https://x.test/t' } }, ['/auth/tokenUrl', '/clientId']],
      [{ type: 'custom', name: 'Key None', auth: { scheme: 'api_key' } }, ['/auth/inputs']],
      [{ type: 'custom', name: 'Over', overrides: { tokenUrl: 'https://x.test/t' }, scopes: ['a'] }, ['/overrides', '/scopes']],
      [{ type: 'slack', auth: { scheme: 'oauth2' }, apiBaseUrl: 'https://slack.com/api' }, ['/auth', '/apiBaseUrl']],
      [{ type: 'gmail', overrides: { tokenUrl: 'javascript:alert(1)', accountUrl: 'https://user:pw@x.test/me' } }, ['/overrides/tokenUrl', '/overrides/accountUrl']],
      [{ type: 'notion', clientSecret: 'ok', scope: ['typo'] }, ['/scope']],
      [{ type: 'custom', name: 'Dup', auth: { scheme: 'api_key', inputs: [{ id: 'k', title: 'K' }, { id: 'k', title: 'Again' }] } }, ['/auth/inputs/1/id']],
    ];
    const before = (await portico.admin('GET', '/integrations')).json().data.length;
    for (const [body, paths] of cases) {
      const response = await portico.admin('POST', '/integrations', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const error = response.json();
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.meta.errors.map((e: { path: string }) => e.path).sort(), `${JSON.stringify(body)}: ${error.message}`).toEqual(paths.sort());
      for (const path of paths) expect(error.message).toContain(path.slice(1));
    }
    expect((await portico.admin('GET', '/integrations')).json().data.length).toBe(before);
  });

  it('PATCH changes any field by id or type; built-ins take overrides, null removes a field; each change is a project.changed event', async () => {
    await portico.admin('POST', '/integrations', { type: 'github', clientId: 'gh-1', clientSecret: 'GH-SECRET-1' });
    const changesBefore = await eventsOf('project.changed');

    const patched = await portico.admin('PATCH', '/integrations/github', {
      clientSecret: 'GH-SECRET-2', scopes: ['repo'],
      overrides: { authorizationUrl: 'https://github.acme.test/login/oauth/authorize', tokenUrl: 'https://github.acme.test/login/oauth/access_token', apiBaseUrl: 'https://github.acme.test/api/v3' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const id = patched.json().id;
    expect(patched.json()).toMatchObject({ clientId: 'gh-1', scopes: ['repo'], overrides: { apiBaseUrl: 'https://github.acme.test/api/v3' } });
    expect(patched.body).not.toContain('GH-SECRET');
    expect(await readClientSecret(portico.ctx, id)).toBe('GH-SECRET-2');
    expect(await eventsOf('project.changed')).toBe(changesBefore + 1);

    const removed = await portico.admin('PATCH', `/integrations/${id}`, { overrides: { apiBaseUrl: null }, clientSecret: null, description: 'Connect your GitHub Enterprise' });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().overrides).toEqual({
      authorizationUrl: 'https://github.acme.test/login/oauth/authorize', tokenUrl: 'https://github.acme.test/login/oauth/access_token',
    });
    expect(removed.json()).toMatchObject({ hasClientSecret: false, portalConfig: { description: 'Connect your GitHub Enterprise' } });
    expect(await storedSecret(id)).toBeNull();

    // The node's cache reloaded: the Connect API sees the new state at once.
    const fromCache = (await portico.admin('GET', '/integrations/github')).json();
    expect(fromCache.overrides.apiBaseUrl).toBeUndefined();

    const bad = await portico.admin('PATCH', '/integrations/github', { overrides: { tokenUrl: 'mailto:x@y.z' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().meta.errors).toEqual([expect.objectContaining({ path: '/overrides/tokenUrl' })]);
    expect((await portico.admin('GET', '/integrations/github')).json().overrides.tokenUrl).toBe('https://github.acme.test/login/oauth/access_token');

    const empty = await portico.admin('PATCH', '/integrations/github', {});
    expect(empty.statusCode).toBe(400);
  });

  it('PATCH of a custom provider merges auth field by field; a new scheme starts a new definition', async () => {
    await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Morph', clientId: 'm', auth: { scheme: 'oauth2', authorizationUrl: 'https://m.test/a', tokenUrl: 'https://m.test/t', scopes: ['x'] },
    });
    const merged = await portico.admin('PATCH', '/integrations/custom.morph', { auth: { pkce: true, scopes: ['x', 'y'] } });
    expect(merged.json().auth).toEqual({ scheme: 'oauth2', authorizationUrl: 'https://m.test/a', tokenUrl: 'https://m.test/t', scopes: ['x', 'y'], pkce: true });

    const refused = await portico.admin('PATCH', '/integrations/custom.morph', { auth: { scheme: 'api_key', inputs: [{ id: 'key', title: 'Key' }] } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().meta.errors.map((e: { path: string }) => e.path)).toEqual(['/clientId']);

    const switched = await portico.admin('PATCH', '/integrations/custom.morph', { clientId: null, auth: { scheme: 'api_key', inputs: [{ id: 'key', title: 'Key', type: 'password' }] } });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json()).toMatchObject({ scheme: 'api_key', auth: { scheme: 'api_key', inputs: [{ id: 'key', title: 'Key', type: 'password', required: true }] } });
    expect(switched.json().clientId).toBeUndefined();
    expect(switched.json().auth.tokenUrl).toBeUndefined();
  });

  it('reloads the integration on another node when it changes', async () => {
    const second = await portico.startSecondNode();
    try {
      const on = (node: typeof second) => node.app.inject({ method: 'GET', url: `/api/v1/projects/${portico.project.projectId}/integrations/hubspot`, headers: { authorization: `Bearer ${portico.project.apiKey}` } });
      expect((await on(second)).json().clientId).toBe('hub-client');
      await portico.admin('PATCH', '/integrations/hubspot', { clientId: 'hub-client-2' });
      await expect.poll(async () => (await on(second)).json().clientId, { timeout: kind === 'postgres' ? 2000 : 15_000 }).toBe('hub-client-2');
    } finally {
      await second.close();
    }
  }, 60_000);
});
