import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readSecrets } from '../src/domain/connections/index.ts';
import { STORES } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';
import { APP_ORIGIN, oauthInstallSuite } from './support/oauth-install-suite.ts';
import { parseSetCookie } from './support/oauth-provider.ts';
import { redactUrlForLog } from '../src/platform/http/log-options.ts';

/**
 * Installs beyond the first OAuth connection: reconnecting in place, PENDING credentials finished
 * by complete-setup, API-key integrations, and clear errors from the nonce page and build-oauth.
 */
describe.each(STORES)('credential installs and reconnects (%s)', (kind) => {
  const s = oauthInstallSuite(kind);
  const { provider, clock, connectApi, startFlow, callback, session, adminUser, flowRow, eventCount, sdkPath } = s;
  it('reconnects in place: installIntegration with selectedCredentialId (or on the single existing account) keeps id, settings and workflows', async () => {
    const first = await startFlow('joan', s.custom);
    await callback(first.callbackUrl, first.cookie);
    const { connectCredentialId: id } = await session(first);
    const credential = (await connectApi('joan', 'GET', `/credentials/${id}`)).json;
    const settings = await connectApi('joan', 'PATCH', `/credentials/${id}`, {
      config: { sharedSettings: { pipeline: 'sales' }, workflowSettings: { [s.onByDefault.id]: { enabled: false, settings: { every: 'hour' } } } },
    });
    expect(settings.status).toBe(200);
    // The refresher (another issue) marks it INVALID when the provider revokes it.
    await s.portico.store.db.updateTable('credentials').set({ status: 'INVALID', refresh_failure_count: 3 }).where('id', '=', id).execute();
    const oldToken = (await readSecrets(s.portico.ctx, id))!.refreshToken;

    const reconnects = await eventCount('credential.reconnected');
    provider.userinfo = { sub: 'acct-1', email: 'joan@acme.test' };
    const again = await startFlow('joan', s.custom, { selectedCredentialId: id });
    expect((await flowRow({ stateOf: again }))!.target_credential_id).toBe(id);
    const page = await callback(again.callbackUrl, again.cookie);
    expect(page.html).toContain('Acme CRM is reconnected');
    expect((await session(again)).connectCredentialId).toBe(id);

    const after = (await connectApi('joan', 'GET', `/credentials/${id}`)).json;
    expect(after).toMatchObject({
      id, status: 'VALID', refreshFailureCount: 0, dateCreated: credential.dateCreated,
      providerData: { email: 'joan@acme.test' },
      configurations: [{ id: credential.configurations[0].id, sharedSettings: { pipeline: 'sales' }, workflowSettings: { [s.onByDefault.id]: { enabled: false, settings: { every: 'hour' } } } }],
    });
    expect((await readSecrets(s.portico.ctx, id))!.refreshToken).not.toBe(oldToken);
    expect(await eventCount('credential.reconnected')).toBe(reconnects + 1);
    expect((await adminUser('joan')).integrations[s.custom.type].allCredentials).toHaveLength(1);

    // Without selectedCredentialId, a single-account install reconnects the existing credential too …
    const plain = await startFlow('joan', s.custom);
    await callback(plain.callbackUrl, plain.cookie);
    expect((await session(plain)).connectCredentialId).toBe(id);
    // … while allowMultipleCredentials adds a second account, with its own default settings.
    provider.userinfo = { sub: 'acct-2' };
    const second = await startFlow('joan', s.custom, { allowMultipleCredentials: true });
    await callback(second.callbackUrl, second.cookie);
    const secondId = (await session(second)).connectCredentialId;
    expect(secondId).not.toBe(id);
    const all = (await adminUser('joan')).integrations[s.custom.type].allCredentials;
    expect(all.map((c: { id: string; providerId: string }) => [c.id, c.providerId])).toEqual([[id, 'acct-1'], [secondId, 'acct-2']]);

    const unknown = await connectApi('joan', 'GET', `/credentials/${secondId}`);
    expect(unknown.status).toBe(200);
    const foreign = await fetch(`${s.base}/v2/projects/${s.portico.project.projectId}/sdk/actions/build-oauth?integrationId=${s.custom.id}&installOptions=${encodeURIComponent(JSON.stringify({ selectedCredentialId: id }))}`, {
      headers: { authorization: `Bearer ${await s.portico.token('mallory')}` },
    });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { code: string }).code).toBe('CREDENTIAL_NOT_FOUND');
  });

  it('keeps a credential PENDING until complete-setup gives its post-OAuth inputs', async () => {
    const withInputs = (await s.portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Workspace App', clientId: 'ws', clientSecret: 'WS-SECRET',
      auth: { scheme: 'oauth2', ...provider.endpoints(), postOAuthInputs: [{ id: 'workspace', title: 'Workspace' }, { id: 'note', title: 'Note', required: false }] },
    })).json();
    const sdk = (await connectApi('mary', 'GET', '/integrations')).json as unknown as Array<{ id: string; sdkIntegrationConfig: unknown }>;
    expect(sdk.find((i) => i.id === withInputs.id)!.sdkIntegrationConfig).toMatchObject({
      postOauthInputs: [{ id: 'workspace', title: 'Workspace', type: 'TEXT_NO_VARS', required: true }, { id: 'note', required: false }],
    });

    const flow = await startFlow('mary', withInputs);
    const page = await callback(flow.callbackUrl, flow.cookie);
    expect(page.html).toContain('Finish the setup');
    const { connectCredentialId: id } = await session(flow);
    expect((await connectApi('mary', 'GET', `/credentials/${id}`)).json.status).toBe('PENDING');

    const missing = await connectApi('mary', 'POST', `/credentials/${id}/complete-setup`, { integrationId: withInputs.id, config: {}, payload: { note: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: 'CREDENTIAL_INPUT_INVALID', meta: { errors: [{ path: '/payload/workspace' }] } });

    const done = await connectApi('mary', 'POST', `/credentials/${id}/complete-setup`, { integrationId: withInputs.id, config: {}, payload: { workspace: 'w-42', skipPostOAuthInputs: false } });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ id, status: 'VALID', providerData: { workspace: 'w-42', sub: 'acct-1' } });
    expect((await readSecrets(s.portico.ctx, id))!.inputs).toEqual({ workspace: 'w-42' });

    const twice = await connectApi('mary', 'POST', `/credentials/${id}/complete-setup`, { integrationId: withInputs.id, payload: { workspace: 'w-43' } });
    expect(twice.status).toBe(409);
    expect(twice.json.code).toBe('CREDENTIAL_NOT_PENDING');
  });

  it('connects an API-key integration with POST /sdk/credentials, checking the inputs against its definition', async () => {
    const keyed = (await s.portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Key Store',
      auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }, { id: 'region', title: 'Region', required: false }] },
    })).json();
    await s.portico.admin('POST', '/workflows', { name: 'Nightly export', integration: keyed.type, defaultEnabled: true });

    const bad = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.id, config: {}, payload: { region: 'eu', apiKye: 'typo' }, installOptions: {} });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('CREDENTIAL_INPUT_INVALID');
    expect(bad.json.meta.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/payload/apiKey', '/payload/apiKye']);

    const created = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.id, config: {}, payload: { apiKey: 'KEY-STORE-SECRET-1', region: 'eu', skipPostOAuthInputs: false }, installOptions: {} });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ integrationId: keyed.id, status: 'VALID', providerData: { region: 'eu' } });
    expect(JSON.stringify(created.json)).not.toContain('KEY-STORE-SECRET');
    expect(Object.values(created.json.configurations[0].workflowSettings)).toEqual([{ enabled: true, settings: {} }]);
    expect((await readSecrets(s.portico.ctx, created.json.id))!.inputs).toEqual({ apiKey: 'KEY-STORE-SECRET-1', region: 'eu' });

    const replaced = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.type, payload: { apiKey: 'KEY-STORE-SECRET-2' }, installOptions: { selectedCredentialId: created.json.id } });
    expect(replaced.status).toBe(200);
    expect(replaced.json.id).toBe(created.json.id);
    expect((await readSecrets(s.portico.ctx, created.json.id))!.inputs).toEqual({ apiKey: 'KEY-STORE-SECRET-2', region: 'eu' });

    // A built-in API-key provider (Stripe): the key is checked by the catalog's account call, sent as its apiAuthorization says.
    const stripeKey = 'rk_test_0123456789abcdefghij';
    const account = http.createServer((request, response) => {
      const ok = request.headers.authorization === `Basic ${Buffer.from(`${stripeKey}:`).toString('base64')}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify(ok ? { id: 'acct_1Nx', settings: { dashboard: { display_name: 'Acme Inc' } } } : { error: { type: 'invalid_request_error' } }));
    });
    await new Promise<void>((resolve) => account.listen(0, '127.0.0.1', resolve));
    try {
      const stripe = (await s.portico.admin('POST', '/integrations', { type: 'stripe', overrides: { accountUrl: `http://127.0.0.1:${(account.address() as AddressInfo).port}/v1/account` } })).json();
      expect(stripe).toMatchObject({ scheme: 'api_key' });
      const malformed = await connectApi('nina', 'POST', '/credentials', { integrationId: 'stripe', payload: { apiKey: 'not-a-stripe-key' } });
      expect(malformed.json).toMatchObject({ status: 400, code: 'CREDENTIAL_INPUT_INVALID', meta: { errors: [{ path: '/payload/apiKey' }] } });
      const refused = await connectApi('nina', 'POST', '/credentials', { integrationId: 'stripe', payload: { apiKey: 'rk_test_wrongwrongwrong00' } });
      expect(refused.json).toMatchObject({ status: 400, code: 'CREDENTIAL_INPUT_INVALID' });
      expect(refused.json.message).toMatch(/Stripe refused these inputs \(HTTP 401\)/);
      const connected = await connectApi('nina', 'POST', '/credentials', { integrationId: 'stripe', payload: { apiKey: stripeKey } });
      expect(connected.status, JSON.stringify(connected.json)).toBe(201);
      expect(connected.json).toMatchObject({ status: 'VALID', providerId: 'acct_1Nx', providerData: { displayName: 'Acme Inc' } });
      expect(JSON.stringify(connected.json)).not.toContain(stripeKey);
    } finally {
      await new Promise((resolve) => account.close(resolve));
    }

    const wrongWay = await connectApi('nina', 'POST', '/credentials', { integrationId: s.custom.id, payload: { apiKey: 'x' } });
    expect(wrongWay.json).toMatchObject({ status: 400, code: 'INTEGRATION_SCHEME_MISMATCH' });
    const noOAuth = await fetch(`${s.base}/v2/projects/${s.portico.project.projectId}/sdk/actions/build-oauth?integrationId=${keyed.id}`, { headers: { authorization: `Bearer ${await s.portico.token('nina')}` } });
    expect(((await noOAuth.json()) as { code: string }).code).toBe('INTEGRATION_SCHEME_MISMATCH');
  });

  it('answers the nonce page and build-oauth with clear errors', async () => {
    const bad = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${s.custom.id}&originForPostMessage=${APP_ORIGIN}&userToken=not-a-jwt`));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/^text\/html/);
    expect(bad.headers.getSetCookie()).toEqual([]);
    expect(await bad.text()).toContain('TOKEN_MALFORMED');

    const token = await s.portico.token('olga');
    const badOrigin = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${s.custom.id}&originForPostMessage=${APP_ORIGIN}/page&userToken=${token}`));
    expect(badOrigin.status).toBe(400);
    expect(await badOrigin.text()).toContain('OAUTH_ORIGIN_NOT_ALLOWED');
    expect(badOrigin.headers.getSetCookie()).toEqual([]);

    const page = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${s.custom.id}&originForPostMessage=${APP_ORIGIN}&userToken=${token}`));
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).not.toContain(token);

    const unconfigured = (await s.portico.admin('POST', '/integrations', { type: 'custom', name: 'Half Done', auth: { scheme: 'oauth2', authorizationUrl: 'https://h.test/a', tokenUrl: 'https://h.test/t' } })).json();
    const built = await fetch(`${s.base}/v2/projects/${s.portico.project.projectId}/sdk/actions/build-oauth?integrationId=${unconfigured.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(built.status).toBe(409);
    expect(await built.json()).toMatchObject({ code: 'INTEGRATION_NOT_CONFIGURED', meta: { missing: ['clientId'] } });

    const badJson = await fetch(`${s.base}/v2/projects/${s.portico.project.projectId}/sdk/actions/build-oauth?integrationId=${s.custom.id}&installOptions=%7Bnope`, { headers: { authorization: `Bearer ${token}` } });
    expect(await badJson.json()).toMatchObject({ code: 'VALIDATION_FAILED', meta: { errors: [{ path: '/installOptions' }] } });
  });
});

describe('OAuth values in logs', () => {
  it("redacts the popup's userToken and the callback's code and state from logged URLs", () => {
    expect(redactUrlForLog('/projects/p/sdk/actions/oauth-nonce?action=x&integrationId=i&originForPostMessage=http://a&userToken=eyJ.a.b'))
      .toBe('/projects/p/sdk/actions/oauth-nonce?action=x&integrationId=i&originForPostMessage=http://a&userToken=[redacted]');
    expect(redactUrlForLog('/oauth?code=abc&state=def&scope=read')).toBe('/oauth?code=[redacted]&state=[redacted]&scope=read');
  });
});
