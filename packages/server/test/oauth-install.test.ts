import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSecrets } from '../src/domain/connections/index.ts';
import { redactUrlForLog } from '../src/platform/http/log-options.ts';
import { ManualClock, STORES, startPortico, type Portico } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';
import { MockProvider, freePort, parseSetCookie, type JarCookie } from './support/oauth-provider.ts';

/**
 * The official SDK's headless OAuth install, step by step over plain HTTP, against a real OAuth 2.0
 * server on loopback: the oauth-nonce popup page and its cookie, build-oauth, the provider's
 * authorize redirect, the /oauth callback, and the SDK's session-id polling.
 */

const APP_ORIGIN = 'http://app.example.test';

interface Flow {
  sub: string;
  integrationId: string;
  metaKey: string;
  cookie: JarCookie;
  redirectUrl: URL;
  /** Where the provider sent the browser back to (`/oauth?code&state`). */
  callbackUrl: string;
}

describe.each(STORES)('OAuth install flow (%s)', (kind) => {
  const provider = new MockProvider();
  const clock = new ManualClock();
  let portico: Portico;
  let base: string;
  let custom: { id: string; type: string };
  let builtIn: { id: string; type: string };
  let onByDefault: { id: string };
  let metaKeys = 0;

  beforeAll(async () => {
    await provider.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    portico = await startPortico(kind, { clock, config: { PORTICO_PUBLIC_URL: base, PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await portico.app.listen({ port, host: '127.0.0.1' });
    const endpoints = provider.endpoints();
    custom = (await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'ACME-CLIENT-SECRET',
      auth: { scheme: 'oauth2', ...endpoints, scopes: ['contacts.read', 'contacts.write'], pkce: true },
      apiBaseUrl: `${provider.url}/api`,
    })).json();
    builtIn = (await portico.admin('POST', '/integrations', {
      type: 'hubspot', clientId: 'hub-client', clientSecret: 'HUB-CLIENT-SECRET', scopes: ['crm.objects.contacts.read'],
      overrides: endpoints,
    })).json();
    onByDefault = (await portico.admin('POST', '/workflows', { name: 'Sync contacts', integration: custom.type, defaultEnabled: true })).json();
    await portico.admin('POST', '/workflows', { name: 'Push deals', integration: custom.type, defaultEnabled: false });
  });

  afterAll(async () => {
    await portico?.close();
    await provider.stop();
  });

  beforeEach(() => {
    provider.userinfo = { sub: 'acct-1', email: 'ada@acme.test', name: 'Ada', access_token_hint: 'nope' };
    provider.nextAuthorize = undefined;
    provider.nextTokenAnswer = undefined;
  });

  const sdkPath = (path: string) => `${base}/projects/${portico.project.projectId}/sdk${path}`;

  async function connectApi(sub: string, method: string, path: string, body?: unknown) {
    const response = await fetch(sdkPath(path), {
      method,
      headers: { authorization: `Bearer ${await portico.token(sub)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  }

  /** What the SDK does before the provider: the popup's nonce page, build-oauth, and the provider's authorize redirect. */
  async function startFlow(sub: string, integration: { id: string; type: string }, installOptions: Record<string, unknown> = {}, endUserSuppliedValues: Record<string, unknown> = {}): Promise<Flow> {
    const token = await portico.token(sub);
    const metaKey = `k${++metaKeys}${kind}`;
    const nonce = await fetch(sdkPath(`/actions/oauth-nonce?action=${integration.type}&integrationId=${integration.id}&originForPostMessage=${APP_ORIGIN}&userToken=${token}`));
    const page = await nonce.text();
    expect(nonce.status, page).toBe(200);
    expect(page).toContain('oauth-nonce-loaded');
    const cookie = parseSetCookie(nonce.headers.getSetCookie()[0]!);

    const params = new URLSearchParams({
      action: integration.type.startsWith('custom.') ? 'custom' : integration.type, endUserSuppliedValues: JSON.stringify(endUserSuppliedValues), parameters: '{}', userToken: token,
      integrationId: integration.id, originForPostMessage: APP_ORIGIN, isPreviewMode: 'false',
      installOptions: JSON.stringify({ isApiInstallation: true, ...installOptions }), oauthMetaKeyId: metaKey,
    });
    const built = await fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?${params}`, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const body = (await built.json()) as { redirectUrl: string };
    expect(built.status, JSON.stringify(body)).toBe(200);
    const redirectUrl = new URL(body.redirectUrl);

    const authorize = await fetch(redirectUrl, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    return { sub, integrationId: integration.id, metaKey, cookie, redirectUrl, callbackUrl: authorize.headers.get('location')! };
  }

  async function callback(url: string, cookie?: JarCookie | string) {
    const header = cookie === undefined ? undefined : typeof cookie === 'string' ? cookie : `${cookie.name}=${cookie.value}`;
    const response = await fetch(url, { headers: header ? { cookie: header } : {} });
    return { status: response.status, html: await response.text(), headers: response.headers };
  }

  async function session(flow: Flow) {
    return (await connectApi(flow.sub, 'GET', `/actions/session-id/${flow.metaKey}`)).json;
  }

  async function adminUser(sub: string) {
    return (await portico.admin('GET', `/users/${sub}`)).json();
  }

  async function flowRow(metaKeyOrNull: { stateOf: Flow }) {
    const state = new URL(metaKeyOrNull.stateOf.redirectUrl).searchParams.get('state')!;
    const { createHash } = await import('node:crypto');
    return portico.store.db.selectFrom('oauth_flows').selectAll().where('state_hash', '=', createHash('sha256').update(state).digest('hex')).executeTakeFirst();
  }

  const eventCount = async (type: string) => {
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from events where type = ${type}`.execute(portico.store.db);
    return Number(rows[0]!.n);
  };

  it('connects a custom OAuth 2.0 integration: nonce cookie, PKCE, code exchange, userinfo, VALID credential, session-id', async () => {
    const flow = await startFlow('ada', custom);
    expect(flow.cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/oauth' });
    expect(flow.cookie.attributes.secure).toBeUndefined();
    expect(Number(flow.cookie.attributes['max-age'])).toBe(600);

    const authorize = flow.redirectUrl;
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.url}/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code', client_id: 'acme-client', redirect_uri: `${base}/oauth`, scope: 'contacts.read contacts.write', code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(flow.callbackUrl.startsWith(`${base}/oauth?`)).toBe(true);

    const stored = await flowRow({ stateOf: flow });
    expect(stored).toMatchObject({ status: 'pending', oauth_meta_key_id: flow.metaKey, redirect_uri: `${base}/oauth`, origin: APP_ORIGIN });
    expect(stored!.state_hash).not.toContain(authorize.searchParams.get('state'));
    expect(stored!.code_verifier).toMatch(/^v1\.a1\./);
    expect(Date.parse(stored!.expires_at) - Date.parse(stored!.created_at)).toBe(600_000);

    expect(await session(flow)).toEqual({});
    const before = await eventCount('integration.installed');
    const done = await callback(flow.callbackUrl, flow.cookie);
    expect(done.status, done.html).toBe(200);
    expect(done.html).toContain('Acme CRM is connected');
    expect(done.html).toContain('window.close()');
    expect(done.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const cleared = parseSetCookie(done.headers.getSetCookie()[0]!);
    expect(cleared).toMatchObject({ name: flow.cookie.name, value: '', attributes: { 'max-age': '0' } });

    const tokenRequest = provider.tokenRequests.at(-1)!;
    expect(tokenRequest.body).toMatchObject({
      grant_type: 'authorization_code', redirect_uri: `${base}/oauth`, client_id: 'acme-client', client_secret: 'ACME-CLIENT-SECRET',
      code: new URL(flow.callbackUrl).searchParams.get('code'),
    });
    expect(tokenRequest.body.code_verifier).toMatch(/^[\w-]{43}$/);

    const { connectCredentialId } = await session(flow);
    expect(connectCredentialId).toMatch(/^[0-9a-f-]{36}$/);
    const credential = (await connectApi('ada', 'GET', `/credentials/${connectCredentialId}`)).json;
    expect(credential).toMatchObject({
      id: connectCredentialId, integrationId: custom.id, status: 'VALID', providerId: 'acct-1',
      providerData: { sub: 'acct-1', email: 'ada@acme.test', name: 'Ada' },
    });
    expect(credential.providerData.access_token_hint).toBeUndefined();
    expect(Math.abs(Date.parse(credential.dateValidUntil) - (clock.now() + 3600_000))).toBeLessThan(10_000);
    expect(credential.configurations[0].workflowSettings).toEqual({ [onByDefault.id]: { enabled: true, settings: {} } });
    expect(await eventCount('integration.installed')).toBe(before + 1);

    const secrets = await readSecrets(portico.ctx, connectCredentialId);
    expect(secrets?.accessToken).toBe(provider.accessTokens.at(-1));
    expect(secrets?.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
    const raw = await portico.store.db.selectFrom('credentials').select('secrets').where('id', '=', connectCredentialId).executeTakeFirstOrThrow();
    expect(raw.secrets).not.toContain(secrets!.accessToken!.slice(0, 20));

    const user = await adminUser('ada');
    expect(user.integrations[custom.type]).toMatchObject({ enabled: true, credentialId: connectCredentialId, credentialStatus: 'VALID', providerId: 'acct-1' });

    expect((await connectApi('ada', 'DELETE', `/actions/session-id/${flow.metaKey}`)).json).toEqual({ forgotten: 1 });
    expect(await session(flow)).toEqual({});
    // Another user cannot read someone's session key.
    expect((await connectApi('mallory', 'GET', `/actions/session-id/${flow.metaKey}`)).json).toEqual({});
  });

  it("connects a built-in type whose endpoints are overridden, reading the account as the catalog says (no PKCE unless the provider wants it)", async () => {
    // HubSpot's catalog entry: providerId is the answer's portalId, providerData.uiDomain its uiDomain.
    provider.userinfo = { portalId: 4242, uiDomain: 'app.hubspot.com', timeZone: 'UTC' };
    const flow = await startFlow('grace', builtIn);
    expect(Object.fromEntries(flow.redirectUrl.searchParams)).toMatchObject({ client_id: 'hub-client', scope: 'crm.objects.contacts.read', redirect_uri: `${base}/oauth` });
    expect(flow.redirectUrl.searchParams.has('code_challenge')).toBe(false);
    const done = await callback(flow.callbackUrl, flow.cookie);
    expect(done.status, done.html).toBe(200);
    expect(provider.tokenRequests.at(-1)!.body).toMatchObject({ client_id: 'hub-client', client_secret: 'HUB-CLIENT-SECRET' });
    const { connectCredentialId } = await session(flow);
    expect((await adminUser('grace')).integrations.hubspot).toMatchObject({
      enabled: true, credentialId: connectCredentialId, credentialStatus: 'VALID', providerId: '4242', providerData: { uiDomain: 'app.hubspot.com' },
    });
  });

  it("checks a built-in's pre-OAuth inputs against the catalog and keeps them with the credential (Zendesk's subdomain)", async () => {
    const zendesk = (await portico.admin('POST', '/integrations', { type: 'zendesk', clientId: 'zd', clientSecret: 'ZD-SECRET', overrides: provider.endpoints() })).json();
    const token = await portico.token('mary');
    const build = (values: unknown) => fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?integrationId=${zendesk.id}&endUserSuppliedValues=${encodeURIComponent(JSON.stringify(values))}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const missing = await build({});
    expect(await missing.json()).toMatchObject({ status: 400, code: 'CREDENTIAL_INPUT_INVALID', meta: { errors: [{ path: '/endUserSuppliedValues/subdomain' }] } });
    const hostile = await build({ subdomain: 'evil.example.com/x' });
    expect(await hostile.json()).toMatchObject({ code: 'CREDENTIAL_INPUT_INVALID', meta: { errors: [{ path: '/endUserSuppliedValues/subdomain' }] } });

    provider.userinfo = { user: { id: 99001, name: 'Mary' } };
    const flow = await startFlow('mary', zendesk, {}, { subdomain: 'acme' });
    expect(flow.redirectUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect((await callback(flow.callbackUrl, flow.cookie)).status).toBe(200);
    const { connectCredentialId } = await session(flow);
    expect((await connectApi('mary', 'GET', `/credentials/${connectCredentialId}`)).json).toMatchObject({ status: 'VALID', providerId: '99001', providerData: { subdomain: 'acme' } });
    expect((await readSecrets(portico.ctx, connectCredentialId))!.inputs).toEqual({ subdomain: 'acme' });
  });

  it('refuses a forged state, a replayed state, a missing cookie, another user\'s cookie and an expired state, storing nothing', async () => {
    const flow = await startFlow('linus', custom);
    const code = new URL(flow.callbackUrl).searchParams.get('code')!;
    const before = await fingerprint(portico.store);

    const forged = await callback(`${base}/oauth?code=${code}&state=${'A'.repeat(43)}`, flow.cookie);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('OAUTH_STATE_INVALID');
    expect(forged.html).not.toContain('postMessage');
    expect((await callback(`${base}/oauth?code=${code}`, flow.cookie)).html).toContain('OAUTH_STATE_INVALID');

    const missing = await callback(flow.callbackUrl);
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('OAUTH_NONCE_MISSING');

    // A cookie Portico made for another user (an attacker planting their own state in this browser).
    const mallory = await startFlow('mallory', custom);
    const crossed = await callback(flow.callbackUrl, mallory.cookie);
    expect(crossed.status).toBe(400);
    expect(crossed.html).toContain('OAUTH_NONCE_MISMATCH');
    const tampered = await callback(flow.callbackUrl, `${flow.cookie.name}=${flow.cookie.value.slice(0, -4)}AAAA`);
    expect(tampered.html).toContain('OAUTH_NONCE_MISMATCH');
    expect(provider.tokenRequests.some((r) => r.body.code === code)).toBe(false);

    // None of those wrote anything, not even to the flow (mallory's own flow aside).
    const after = await fingerprint(portico.store);
    expect(after.rows.oauth_flows).toBe(before.rows.oauth_flows! + 1);
    expect(after.rows.credentials).toBe(before.rows.credentials);
    expect(after.rows.events).toBe(before.rows.events);

    // The right browser still completes it; a replay is then refused.
    expect((await callback(flow.callbackUrl, flow.cookie)).status).toBe(200);
    const snapshot = await fingerprint(portico.store);
    const replay = await callback(flow.callbackUrl, flow.cookie);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('OAUTH_STATE_USED');
    expect((await fingerprint(portico.store)).hash).toBe(snapshot.hash);

    // Expiry, by the clock rather than by waiting.
    const late = await startFlow('linus2', custom);
    const beforeLate = await fingerprint(portico.store);
    clock.advance(10 * 60_000 + 1);
    try {
      const expired = await callback(late.callbackUrl, late.cookie);
      expect(expired.status).toBe(400);
      expect(expired.html).toContain('OAUTH_STATE_EXPIRED');
      expect((await fingerprint(portico.store)).hash).toBe(beforeLate.hash);
      expect(await session(late)).toEqual({});
    } finally {
      clock.advance(-(10 * 60_000 + 1));
    }
  });

  it("ends the flow cleanly when the user declines at the provider (error=access_denied): a page says so, the SDK's opener hears it, nothing is connected", async () => {
    provider.nextAuthorize = (url) => {
      url.searchParams.delete('code');
      url.searchParams.set('error', 'access_denied');
      url.searchParams.set('error_description', 'The user denied the request');
    };
    const flow = await startFlow('hopper', custom);
    expect(new URL(flow.callbackUrl).searchParams.get('error')).toBe('access_denied');
    const tokenRequests = provider.tokenRequests.length;
    const page = await callback(flow.callbackUrl, flow.cookie);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Connection cancelled');
    expect(page.html).toContain('declined');
    expect(page.html).toContain('"oauth_error_callback"');
    expect(page.html).toContain(JSON.stringify(APP_ORIGIN));
    expect(provider.tokenRequests.length).toBe(tokenRequests);
    expect(await session(flow)).toEqual({});
    expect((await adminUser('hopper')).integrations[custom.type]).toMatchObject({ enabled: false, allCredentials: [] });
    expect(await flowRow({ stateOf: flow })).toMatchObject({ status: 'denied', error: 'OAUTH_ACCESS_DENIED', credential_id: null });
    // The state is spent.
    expect((await callback(flow.callbackUrl, flow.cookie)).html).toContain('OAUTH_STATE_USED');
  });

  it('stores nothing when the token endpoint refuses the code or the token URL is not allowed', async () => {
    provider.nextTokenAnswer = (response) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant', error_description: 'Code expired' };
    };
    const flow = await startFlow('ken', custom);
    const page = await callback(flow.callbackUrl, flow.cookie);
    expect(page.status).toBe(502);
    expect(page.html).toContain('OAUTH_TOKEN_EXCHANGE_FAILED');
    expect(page.html).toContain('invalid_grant');
    expect(page.html).not.toContain('ACME-CLIENT-SECRET');
    expect(await session(flow)).toEqual({});
    expect((await adminUser('ken')).integrations[custom.type].allCredentials).toEqual([]);

    const privateHost = (await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Intranet', clientId: 'c', auth: { scheme: 'oauth2', authorizationUrl: `${provider.url}/authorize`, tokenUrl: 'http://10.20.30.40/token' },
    })).json();
    const blocked = await startFlow('ken', privateHost);
    const refused = await callback(blocked.callbackUrl, blocked.cookie);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('OUTBOUND_REQUEST_BLOCKED');
    expect((await adminUser('ken')).integrations[privateHost.type].allCredentials).toEqual([]);
  });

  it('reconnects in place: installIntegration with selectedCredentialId (or on the single existing account) keeps id, settings and workflows', async () => {
    const first = await startFlow('joan', custom);
    await callback(first.callbackUrl, first.cookie);
    const { connectCredentialId: id } = await session(first);
    const credential = (await connectApi('joan', 'GET', `/credentials/${id}`)).json;
    const settings = await connectApi('joan', 'PATCH', `/credentials/${id}`, {
      config: { sharedSettings: { pipeline: 'sales' }, workflowSettings: { [onByDefault.id]: { enabled: false, settings: { every: 'hour' } } } },
    });
    expect(settings.status).toBe(200);
    // The refresher (another issue) marks it INVALID when the provider revokes it.
    await portico.store.db.updateTable('credentials').set({ status: 'INVALID', refresh_failure_count: 3 }).where('id', '=', id).execute();
    const oldToken = (await readSecrets(portico.ctx, id))!.refreshToken;

    const reconnects = await eventCount('credential.reconnected');
    provider.userinfo = { sub: 'acct-1', email: 'joan@acme.test' };
    const again = await startFlow('joan', custom, { selectedCredentialId: id });
    expect((await flowRow({ stateOf: again }))!.target_credential_id).toBe(id);
    const page = await callback(again.callbackUrl, again.cookie);
    expect(page.html).toContain('Acme CRM is reconnected');
    expect((await session(again)).connectCredentialId).toBe(id);

    const after = (await connectApi('joan', 'GET', `/credentials/${id}`)).json;
    expect(after).toMatchObject({
      id, status: 'VALID', refreshFailureCount: 0, dateCreated: credential.dateCreated,
      providerData: { email: 'joan@acme.test' },
      configurations: [{ id: credential.configurations[0].id, sharedSettings: { pipeline: 'sales' }, workflowSettings: { [onByDefault.id]: { enabled: false, settings: { every: 'hour' } } } }],
    });
    expect((await readSecrets(portico.ctx, id))!.refreshToken).not.toBe(oldToken);
    expect(await eventCount('credential.reconnected')).toBe(reconnects + 1);
    expect((await adminUser('joan')).integrations[custom.type].allCredentials).toHaveLength(1);

    // Without selectedCredentialId, a single-account install reconnects the existing credential too …
    const plain = await startFlow('joan', custom);
    await callback(plain.callbackUrl, plain.cookie);
    expect((await session(plain)).connectCredentialId).toBe(id);
    // … while allowMultipleCredentials adds a second account, with its own default settings.
    provider.userinfo = { sub: 'acct-2' };
    const second = await startFlow('joan', custom, { allowMultipleCredentials: true });
    await callback(second.callbackUrl, second.cookie);
    const secondId = (await session(second)).connectCredentialId;
    expect(secondId).not.toBe(id);
    const all = (await adminUser('joan')).integrations[custom.type].allCredentials;
    expect(all.map((c: { id: string; providerId: string }) => [c.id, c.providerId])).toEqual([[id, 'acct-1'], [secondId, 'acct-2']]);

    const unknown = await connectApi('joan', 'GET', `/credentials/${secondId}`);
    expect(unknown.status).toBe(200);
    const foreign = await fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?integrationId=${custom.id}&installOptions=${encodeURIComponent(JSON.stringify({ selectedCredentialId: id }))}`, {
      headers: { authorization: `Bearer ${await portico.token('mallory')}` },
    });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { code: string }).code).toBe('CREDENTIAL_NOT_FOUND');
  });

  it('keeps a credential PENDING until complete-setup gives its post-OAuth inputs', async () => {
    const withInputs = (await portico.admin('POST', '/integrations', {
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
    expect((await readSecrets(portico.ctx, id))!.inputs).toEqual({ workspace: 'w-42' });

    const twice = await connectApi('mary', 'POST', `/credentials/${id}/complete-setup`, { integrationId: withInputs.id, payload: { workspace: 'w-43' } });
    expect(twice.status).toBe(409);
    expect(twice.json.code).toBe('CREDENTIAL_NOT_PENDING');
  });

  it('connects an API-key integration with POST /sdk/credentials, checking the inputs against its definition', async () => {
    const keyed = (await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Key Store',
      auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }, { id: 'region', title: 'Region', required: false }] },
    })).json();
    await portico.admin('POST', '/workflows', { name: 'Nightly export', integration: keyed.type, defaultEnabled: true });

    const bad = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.id, config: {}, payload: { region: 'eu', apiKye: 'typo' }, installOptions: {} });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('CREDENTIAL_INPUT_INVALID');
    expect(bad.json.meta.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/payload/apiKey', '/payload/apiKye']);

    const created = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.id, config: {}, payload: { apiKey: 'KEY-STORE-SECRET-1', region: 'eu', skipPostOAuthInputs: false }, installOptions: {} });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ integrationId: keyed.id, status: 'VALID', providerData: { region: 'eu' } });
    expect(JSON.stringify(created.json)).not.toContain('KEY-STORE-SECRET');
    expect(Object.values(created.json.configurations[0].workflowSettings)).toEqual([{ enabled: true, settings: {} }]);
    expect((await readSecrets(portico.ctx, created.json.id))!.inputs).toEqual({ apiKey: 'KEY-STORE-SECRET-1', region: 'eu' });

    const replaced = await connectApi('nina', 'POST', '/credentials', { integrationId: keyed.type, payload: { apiKey: 'KEY-STORE-SECRET-2' }, installOptions: { selectedCredentialId: created.json.id } });
    expect(replaced.status).toBe(200);
    expect(replaced.json.id).toBe(created.json.id);
    expect((await readSecrets(portico.ctx, created.json.id))!.inputs).toEqual({ apiKey: 'KEY-STORE-SECRET-2', region: 'eu' });

    // A built-in API-key provider (Stripe): the key is checked by the catalog's account call, sent as its apiAuthorization says.
    const stripeKey = 'rk_test_0123456789abcdefghij';
    const account = http.createServer((request, response) => {
      const ok = request.headers.authorization === `Basic ${Buffer.from(`${stripeKey}:`).toString('base64')}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify(ok ? { id: 'acct_1Nx', settings: { dashboard: { display_name: 'Acme Inc' } } } : { error: { type: 'invalid_request_error' } }));
    });
    await new Promise<void>((resolve) => account.listen(0, '127.0.0.1', resolve));
    try {
      const stripe = (await portico.admin('POST', '/integrations', { type: 'stripe', overrides: { accountUrl: `http://127.0.0.1:${(account.address() as AddressInfo).port}/v1/account` } })).json();
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

    const wrongWay = await connectApi('nina', 'POST', '/credentials', { integrationId: custom.id, payload: { apiKey: 'x' } });
    expect(wrongWay.json).toMatchObject({ status: 400, code: 'INTEGRATION_SCHEME_MISMATCH' });
    const noOAuth = await fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?integrationId=${keyed.id}`, { headers: { authorization: `Bearer ${await portico.token('nina')}` } });
    expect(((await noOAuth.json()) as { code: string }).code).toBe('INTEGRATION_SCHEME_MISMATCH');
  });

  it('answers the nonce page and build-oauth with clear errors', async () => {
    const bad = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${custom.id}&originForPostMessage=${APP_ORIGIN}&userToken=not-a-jwt`));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/^text\/html/);
    expect(bad.headers.getSetCookie()).toEqual([]);
    expect(await bad.text()).toContain('TOKEN_MALFORMED');

    const token = await portico.token('olga');
    const badOrigin = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${custom.id}&originForPostMessage=${APP_ORIGIN}/page&userToken=${token}`));
    expect(badOrigin.status).toBe(400);
    expect(await badOrigin.text()).toContain('OAUTH_ORIGIN_NOT_ALLOWED');
    expect(badOrigin.headers.getSetCookie()).toEqual([]);

    const page = await fetch(sdkPath(`/actions/oauth-nonce?integrationId=${custom.id}&originForPostMessage=${APP_ORIGIN}&userToken=${token}`));
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).not.toContain(token);

    const unconfigured = (await portico.admin('POST', '/integrations', { type: 'custom', name: 'Half Done', auth: { scheme: 'oauth2', authorizationUrl: 'https://h.test/a', tokenUrl: 'https://h.test/t' } })).json();
    const built = await fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?integrationId=${unconfigured.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(built.status).toBe(409);
    expect(await built.json()).toMatchObject({ code: 'INTEGRATION_NOT_CONFIGURED', meta: { missing: ['clientId'] } });

    const badJson = await fetch(`${base}/v2/projects/${portico.project.projectId}/sdk/actions/build-oauth?integrationId=${custom.id}&installOptions=%7Bnope`, { headers: { authorization: `Bearer ${token}` } });
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
