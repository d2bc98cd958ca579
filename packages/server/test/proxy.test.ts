import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';
import { LocalApi } from './support/local-api.ts';
import { MockProvider } from './support/oauth-provider.ts';

/**
 * The Connect proxy against a real local API that checks bearer tokens, with a custom OAuth
 * integration whose token endpoint is a real OAuth server (refresh after a provider 401), and a
 * built-in type whose API base URL is overridden to the local API.
 */

const LIMIT = 64 * 1024;
const TIMEOUT_MS = 1500;

describe.each(STORES)('Connect proxy (%s)', (kind) => {
  let portico: Portico;
  let api: LocalApi;
  let provider: MockProvider;
  let acme: { id: string; type: string };
  let acmeCredential: string;
  let porticoUrl: string;

  beforeAll(async () => {
    api = new LocalApi();
    await api.start();
    provider = new MockProvider();
    await provider.start();
    // Tokens the OAuth server issues (after a refresh) are good at the API too.
    api.alsoAccept = (token) => provider.accessTokens.includes(token);
    portico = await startPortico(kind, {
      config: {
        PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
        PORTICO_PROXY_MAX_REQUEST_BYTES: String(LIMIT),
        PORTICO_PROXY_MAX_RESPONSE_BYTES: String(LIMIT),
        PORTICO_PROXY_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    const { authorizationUrl, tokenUrl } = provider.endpoints();
    const created = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'acme-secret',
      auth: { scheme: 'oauth2', authorizationUrl, tokenUrl },
      apiBaseUrl: `${api.url}/acme/v2`,
    });
    expect(created.statusCode, created.body).toBe(201);
    acme = created.json();
    const hubspot = await portico.admin('POST', '/integrations', { type: 'hubspot', overrides: { apiBaseUrl: `${api.url}/hubspot` } });
    expect(hubspot.statusCode, hubspot.body).toBe(201);
    acmeCredential = await importCredential('ada', acme.type, 'ada-token');
    porticoUrl = await portico.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await portico?.close();
    await api?.stop();
    await provider?.stop();
  });

  async function importCredential(sub: string, integration: string, accessToken: string, extra: Record<string, unknown> = {}): Promise<string> {
    api.tokens.add(accessToken);
    const response = await portico.admin('POST', `/users/${sub}/credentials`, { integration, accessToken, ...extra });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  /** A proxied call as user `sub`: `path` is everything after /sdk/proxy/. */
  function proxy(sub: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}) {
    return portico.connect(sub, method, `/sdk/proxy/${path}`, options.body, options.headers);
  }

  it('GET with a query: the path is appended to the API base URL, the credential is injected, the answer is { output }', async () => {
    const mark = api.seen.length;
    const response = await proxy('ada', 'GET', `${acme.type}/contacts?limit=2&q=a%20b`, { headers: { 'content-type': 'auto', accept: 'application/json' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      output: { method: 'GET', path: '/acme/v2/contacts', query: { limit: '2', q: 'a b' }, token: 'ada-token', contentType: null, body: '' },
    });
    expect(api.since(mark).map((r) => r.url)).toEqual(['/acme/v2/contacts?limit=2&q=a%20b']);
  });

  it('POST with Content-Type: auto sends JSON bodies as application/json and other bodies as text; other types pass as bytes', async () => {
    const json = await proxy('ada', 'POST', `${acme.type}/contacts`, { body: '{"name":"Ada","tags":["x"]}', headers: { 'content-type': 'auto' } });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json().output).toMatchObject({ method: 'POST', contentType: 'application/json', body: '{"name":"Ada","tags":["x"]}' });

    const text = await proxy('ada', 'POST', `${acme.type}/notes`, { body: 'just words', headers: { 'content-type': 'auto' } });
    expect(text.json().output).toMatchObject({ contentType: 'text/plain; charset=utf-8', body: 'just words' });

    const xml = await proxy('ada', 'PUT', `${acme.type}/doc`, { body: '<a>1</a>', headers: { 'content-type': 'application/xml' } });
    expect(xml.json().output).toMatchObject({ method: 'PUT', contentType: 'application/xml', body: '<a>1</a>' });
  });

  it("drops the caller's Authorization, cookies, X-Paragon-* and hop-by-hop headers and forwards the others", async () => {
    const mark = api.seen.length;
    const response = await proxy('ada', 'GET', `${acme.type}/whoami`, {
      headers: {
        cookie: 'app-session=1', 'x-paragon-sdk-version': '2.4.0', 'x-paragon-credential': acmeCredential, origin: 'https://app.example.com',
        'x-custom-header': 'kept', 'keep-alive': 'timeout=5', 'x-forwarded-for': '10.1.2.3',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const [seen] = api.since(mark);
    expect(seen!.headers.authorization).toBe('Bearer ada-token');
    expect(seen!.headers['x-custom-header']).toBe('kept');
    for (const dropped of ['cookie', 'x-paragon-sdk-version', 'x-paragon-credential', 'origin', 'keep-alive', 'x-forwarded-for']) {
      expect(seen!.headers[dropped], dropped).toBeUndefined();
    }
    expect(JSON.stringify(seen!.headers)).not.toContain('eyJ'); // no User Token anywhere
  });

  it("X-Paragon-Use-Raw-Response: 1 answers the provider's status, body and safe headers unchanged", async () => {
    const response = await proxy('ada', 'GET', `${acme.type}/files/text`, { headers: { 'x-paragon-use-raw-response': '1' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('plain text answer');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.headers['x-ratelimit-remaining']).toBe('42');
    expect(response.headers['set-cookie']).toBeUndefined();

    const missing = await proxy('ada', 'GET', `${acme.type}/missing`, { headers: { 'x-paragon-use-raw-response': 'true' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', detail: 'no /acme/v2/missing' });
  });

  it("answers a provider error with the provider's status, the error envelope with meta.isIntegrationError, and output", async () => {
    const missing = await proxy('ada', 'GET', `${acme.type}/missing`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      message: 'Acme CRM answered 404.',
      code: 'INTEGRATION_API_ERROR',
      status: 404,
      meta: { isIntegrationError: true, integrationType: acme.type, status: 404, output: { error: 'not_found', detail: 'no /acme/v2/missing' } },
      output: { error: 'not_found', detail: 'no /acme/v2/missing' },
    });
    const empty = await proxy('ada', 'DELETE', `${acme.type}/contacts/1/empty`);
    expect(empty.statusCode).toBe(204);
    expect(empty.body).toBe('');
    const text = await proxy('ada', 'GET', `${acme.type}/text`);
    expect(text.json()).toEqual({ output: 'plain text answer' });
  });

  it('calls a built-in type at its overridden API base URL, and X-Paragon-Credential picks among two credentials', async () => {
    const first = await importCredential('bob', 'hubspot', 'bob-token-1', { externalId: 'work' });
    const second = await importCredential('bob', 'hubspot', 'bob-token-2', { externalId: 'personal' });
    const byDefault = await proxy('bob', 'GET', 'hubspot/crm/v3/objects/contacts');
    expect(byDefault.json().output).toMatchObject({ path: '/hubspot/crm/v3/objects/contacts', token: 'bob-token-1' });
    const byId = await proxy('bob', 'GET', 'hubspot/crm/v3/objects/contacts', { headers: { 'x-paragon-credential': second } });
    expect(byId.json().output.token).toBe('bob-token-2');
    const byExternalId = await proxy('bob', 'GET', 'hubspot/x', { headers: { 'x-paragon-credential': 'ext:personal' } });
    expect(byExternalId.json().output.token).toBe('bob-token-2');
    expect(first).not.toBe(second);
  });

  it("sends a custom API-key integration's key as its auth.apiAuthorization says (default: bearer)", async () => {
    const inputs = [{ id: 'apiKey', title: 'API key', type: 'password' }, { id: 'region', title: 'Region' }];
    const refused = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Keyed Bad', auth: { scheme: 'api_key', inputs, apiAuthorization: { style: 'header', name: 'X-API-Key', format: '{secret}' } }, apiBaseUrl: `${api.url}/keyed`,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VALIDATION_FAILED', meta: { errors: [{ path: '/auth/apiAuthorization' }] } });

    for (const [name, apiAuthorization] of [['Keyed Header', { style: 'header', name: 'X-API-Key', format: '{apiKey}' }], ['Keyed Default', undefined]] as const) {
      const created = await portico.admin('POST', '/integrations', { type: 'custom', name, auth: { scheme: 'api_key', inputs, ...(apiAuthorization ? { apiAuthorization } : {}) }, apiBaseUrl: `${api.url}/keyed` });
      expect(created.statusCode, created.body).toBe(201);
      const type = created.json().type as string;
      const key = `key-of-${type}`;
      api.tokens.add(key);
      const connected = await portico.connect('ivy', 'POST', '/sdk/credentials', { integrationId: type, payload: { apiKey: key, region: 'eu' } });
      expect(connected.statusCode, connected.body).toBe(201);
      const mark = api.seen.length;
      const response = await proxy('ivy', 'GET', `${type}/things`);
      expect(response.json().output, name).toMatchObject({ path: '/keyed/things', token: key });
      const seen = api.since(mark)[0]!;
      if (apiAuthorization) expect([seen.headers['x-api-key'], seen.headers.authorization]).toEqual([key, undefined]);
      else expect(seen.headers.authorization).toBe(`Bearer ${key}`);
    }
  });

  it('fails fast with 404 when the user has not connected the integration, or names an unknown credential or integration', async () => {
    const mark = api.seen.length;
    const notConnected = await proxy('nobody', 'GET', `${acme.type}/contacts`);
    expect(notConnected.statusCode).toBe(404);
    expect(notConnected.json()).toMatchObject({ code: 'INTEGRATION_NOT_INSTALLED', status: 404, meta: { integrationType: acme.type } });
    expect(notConnected.json().message).toMatch(/^Integration not enabled for user\./);
    const unknownCredential = await proxy('ada', 'GET', `${acme.type}/contacts`, { headers: { 'x-paragon-credential': '00000000-0000-4000-8000-000000000000' } });
    expect(unknownCredential.json()).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND', status: 404 });
    const unknownIntegration = await proxy('ada', 'GET', 'custom.nothing/contacts');
    expect(unknownIntegration.json()).toMatchObject({ code: 'INTEGRATION_NOT_FOUND', status: 404 });
    expect(api.since(mark)).toEqual([]);
  });

  it('answers 401 CREDENTIAL_INVALID for an INVALID credential without calling the provider', async () => {
    await importCredential('carol', acme.type, 'carol-token', { status: 'INVALID' });
    const mark = api.seen.length;
    const response = await proxy('carol', 'GET', `${acme.type}/contacts`);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'CREDENTIAL_INVALID', status: 401, meta: { integrationType: acme.type } });
    expect(response.json().meta.isIntegrationError).toBeUndefined();
    expect(api.since(mark)).toEqual([]);
  });

  it('on a provider 401 refreshes the token once at the OAuth server and sends the request again', async () => {
    const credentialId = await importCredential('dave', acme.type, 'dave-stale-token', { refreshToken: 'dave-refresh-1' });
    api.tokens.delete('dave-stale-token'); // the provider no longer accepts it
    const mark = api.seen.length;
    const refreshesBefore = provider.tokenRequests.length;
    const response = await proxy('dave', 'POST', `${acme.type}/contacts`, { body: '{"n":1}', headers: { 'content-type': 'auto' } });
    expect(response.statusCode, response.body).toBe(200);
    const fresh = response.json().output.token as string;
    expect(provider.accessTokens).toContain(fresh);
    const calls = api.since(mark);
    expect(calls.map((c) => c.headers.authorization)).toEqual(['Bearer dave-stale-token', `Bearer ${fresh}`]);
    expect(calls[1]!.body).toBe('{"n":1}');
    expect(provider.tokenRequests.slice(refreshesBefore).map((r) => r.body.grant_type)).toEqual(['refresh_token']);
    // The next call uses the refreshed token at once.
    const again = await proxy('dave', 'GET', `${acme.type}/contacts`, { headers: { 'x-paragon-credential': credentialId } });
    expect(again.json().output.token).toBe(fresh);
  });

  it('answers 401 CREDENTIAL_INVALID when the refresh after a provider 401 is refused for good, and the credential is INVALID from then on', async () => {
    const credentialId = await importCredential('hank', acme.type, 'hank-stale-token', { refreshToken: 'hank-revoked-refresh' });
    api.tokens.delete('hank-stale-token');
    provider.nextTokenAnswer = (answer) => {
      answer.statusCode = 400;
      answer.body = { error: 'invalid_grant', error_description: 'refresh token revoked' };
    };
    const response = await proxy('hank', 'GET', `${acme.type}/contacts`);
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json()).toMatchObject({ code: 'CREDENTIAL_INVALID', meta: { credentialId } });
    expect(response.json().meta.isIntegrationError).toBeUndefined();
    const user = (await portico.admin('GET', '/users/hank')).json();
    expect(user.integrations[acme.type]).toMatchObject({ credentialStatus: 'INVALID', enabled: false });
    const mark = api.seen.length;
    expect((await proxy('hank', 'GET', `${acme.type}/contacts`)).json().code).toBe('CREDENTIAL_INVALID');
    expect(api.since(mark)).toEqual([]);
  });

  it("answers the provider's 401 as an integration error when the token is refused again after the refresh", async () => {
    await importCredential('erin', acme.type, 'erin-stale-token', { refreshToken: 'erin-refresh-1' });
    api.tokens.delete('erin-stale-token');
    const accept = api.alsoAccept;
    api.alsoAccept = () => false;
    try {
      const mark = api.seen.length;
      const response = await proxy('erin', 'GET', `${acme.type}/contacts`);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'INTEGRATION_API_ERROR', status: 401, meta: { isIntegrationError: true, status: 401 }, output: { error: 'invalid_token' } });
      expect(api.since(mark)).toHaveLength(2);
    } finally {
      api.alsoAccept = accept;
    }
  });

  it('X-Paragon-Proxy-Url reaches the same origin only; a full URL in the path is held to the same rule', async () => {
    const same = await proxy('ada', 'GET', acme.type, { headers: { 'x-paragon-proxy-url': `${api.url}/acme/other/path?x=1` } });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json().output).toMatchObject({ path: '/acme/other/path', query: { x: '1' }, token: 'ada-token' });
    const relative = await proxy('ada', 'GET', acme.type, { headers: { 'x-paragon-proxy-url': '/contacts?y=2' } });
    expect(relative.json().output).toMatchObject({ path: '/acme/v2/contacts', query: { y: '2' } });

    const mark = api.seen.length;
    const port = new URL(api.url).port;
    for (const url of [`http://localhost:${port}/acme/v2/x`, 'https://evil.example.com/steal', `http://127.0.0.1:1/x`, `http://user:pw@127.0.0.1:${port}/acme/v2/x`, 'file:///etc/passwd']) {
      const refused = await proxy('ada', 'GET', acme.type, { headers: { 'x-paragon-proxy-url': url } });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json().code, url).toBe('INTEGRATION_API_URL_NOT_ALLOWED');
    }
    const inPath = await proxy('ada', 'GET', `${acme.type}/https://evil.example.com/steal`);
    expect(inPath.json()).toMatchObject({ status: 400, code: 'INTEGRATION_API_URL_NOT_ALLOWED' });
    expect(api.since(mark)).toEqual([]);
  });

  it('refuses "." and ".." segments (plain, encoded, with backslashes) and keeps other tricks under the base path', async () => {
    // Over a socket, so the path arrives exactly as written (clients and inject() resolve dot segments).
    const raw = async (path: string) => {
      const token = await portico.token('ada');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(`${porticoUrl}/projects/${portico.project.projectId}/sdk/proxy/${acme.type}/x`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.path = `/projects/${portico.project.projectId}/sdk/proxy/${acme.type}/${path}`;
        request.on('error', reject);
        request.end();
      });
    };
    let mark = api.seen.length;
    for (const path of ['../../admin', '%2e%2e/admin', '.%2E/admin', 'a/./b', 'a/../../b', '..%5c..%5cadmin', '..%2f..%2fadmin', 'x/..\\..\\admin']) {
      const refused = await raw(path);
      expect(refused.status, `${path}: ${refused.body}`).toBe(400);
      expect(JSON.parse(refused.body).code, path).toBe('INTEGRATION_API_PATH_INVALID');
    }
    expect(api.since(mark)).toEqual([]);

    mark = api.seen.length;
    for (const path of ['/evil.example.com/x', '@evil.example.com/x', '%2F%2Fevil.example.com', 'a..b/...']) {
      const confined = await raw(path);
      expect(confined.status, `${path}: ${confined.body}`).toBe(200);
    }
    const urls = api.since(mark).map((r) => r.url);
    expect(urls).toHaveLength(4);
    for (const url of urls) expect(url.startsWith('/acme/v2/'), url).toBe(true);
  });

  it('answers 413 for a request body over the limit and 502 for an answer over the limit, without passing either on', async () => {
    const mark = api.seen.length;
    const tooLarge = await proxy('ada', 'POST', `${acme.type}/upload`, { body: Buffer.alloc(LIMIT + 1, 97), headers: { 'content-type': 'application/octet-stream' } });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toMatchObject({ code: 'BODY_TOO_LARGE', meta: { limit: LIMIT } });
    expect(api.since(mark)).toEqual([]);

    const fits = await proxy('ada', 'GET', `${acme.type}/big?bytes=${LIMIT - 100}`);
    expect(fits.statusCode).toBe(200);
    const big = await proxy('ada', 'GET', `${acme.type}/big?bytes=${LIMIT + 100}`);
    expect(big.statusCode).toBe(502);
    expect(big.json()).toMatchObject({ code: 'INTEGRATION_API_RESPONSE_TOO_LARGE', meta: { limit: LIMIT } });
  });

  it('answers 504 when the provider does not answer in time', async () => {
    const started = Date.now();
    const slow = await proxy('ada', 'GET', `${acme.type}/slow?ms=${TIMEOUT_MS + 1500}`);
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toMatchObject({ code: 'INTEGRATION_API_TIMEOUT', meta: { timeoutMs: TIMEOUT_MS } });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('refuses private and metadata addresses that are not allow-listed (the SSRF guard applies to the API base URL)', async () => {
    for (const [name, base] of [['Intranet', 'http://10.20.30.40/api'], ['Metadata', 'http://169.254.169.254/latest']] as const) {
      const created = await portico.admin('POST', '/integrations', {
        type: 'custom', name, clientId: 'c', auth: { scheme: 'oauth2', authorizationUrl: 'https://auth.example.com/a', tokenUrl: 'https://auth.example.com/t' }, apiBaseUrl: base,
      });
      expect(created.statusCode, created.body).toBe(201);
      await importCredential('frank', created.json().type, 'frank-token');
      const blocked = await proxy('frank', 'GET', `${created.json().type}/x`);
      expect(blocked.statusCode, blocked.body).toBe(403);
      expect(blocked.json().code).toBe('OUTBOUND_REQUEST_BLOCKED');
    }
  });

  it("checks a placeholder's value against its pattern before it fills the API URL (Salesforce instanceURL)", async () => {
    await portico.admin('POST', '/integrations', { type: 'salesforce' });
    await importCredential('gina', 'salesforce', 'gina-token', { providerData: { instanceURL: api.url } });
    const mark = api.seen.length;
    const response = await proxy('gina', 'GET', 'salesforce/sobjects/Account');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'CREDENTIAL_DATA_INVALID', meta: { placeholder: 'instanceURL' } });
    expect(api.since(mark)).toEqual([]);
  });

  it('accepts the SDK 1.x path /sdk/proxy/custom/{integrationId}/{path} and an integration id in place of the type', async () => {
    const legacy = await proxy('ada', 'GET', `custom/${acme.id}/contacts?page=3`);
    expect(legacy.statusCode, legacy.body).toBe(200);
    expect(legacy.json().output).toMatchObject({ path: '/acme/v2/contacts', query: { page: '3' } });
    const byId = await proxy('ada', 'GET', `${acme.id}/contacts`);
    expect(byId.json().output).toMatchObject({ path: '/acme/v2/contacts', token: 'ada-token' });
  });

  it('keeps connections to the provider alive and reuses them', async () => {
    await proxy('ada', 'GET', `${acme.type}/warm`);
    const before = api.connections;
    for (let i = 0; i < 5; i++) expect((await proxy('ada', 'GET', `${acme.type}/again/${i}`)).statusCode).toBe(200);
    expect(api.connections).toBe(before);
  });

  it('answers CORS preflights with any caller header, and counts calls in /metrics', async () => {
    const preflight = await portico.app.inject({
      method: 'OPTIONS',
      url: `/projects/${portico.project.projectId}/sdk/proxy/${acme.type}/contacts`,
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-paragon-credential,x-anything-else' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('x-anything-else');

    const metrics = await portico.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/portico_proxy_requests_total\{integration="custom",status="200"\} \d+/);
    expect(metrics.body).toMatch(/portico_proxy_requests_total\{integration="custom",status="CREDENTIAL_INVALID"\} \d+/);
    expect(metrics.body).toContain('portico_proxy_request_duration_seconds_bucket');
  });
});
