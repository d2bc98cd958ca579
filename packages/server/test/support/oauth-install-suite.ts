import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { ManualClock, startPortico, type Portico, type StoreKind } from '../harness.ts';
import { MockProvider, freePort, parseSetCookie, type JarCookie } from './oauth-provider.ts';

/**
 * The set-up the OAuth install suites share: a listening Portico on one store, a real OAuth 2.0
 * server on loopback configured as a custom integration (Acme CRM) and as HubSpot with overridden
 * endpoints, and the SDK's steps over plain HTTP (nonce page, build-oauth, authorize, /oauth,
 * session-id). Call inside a `describe`; it registers the hooks.
 */

export const APP_ORIGIN = 'http://app.example.test';

export interface Flow {
  sub: string;
  integrationId: string;
  metaKey: string;
  cookie: JarCookie;
  redirectUrl: URL;
  /** Where the provider sent the browser back to (`/oauth?code&state`). */
  callbackUrl: string;
}

export function oauthInstallSuite(kind: StoreKind) {
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

  return {
    provider,
    clock,
    get portico() { return portico; },
    get base() { return base; },
    get custom() { return custom; },
    get builtIn() { return builtIn; },
    get onByDefault() { return onByDefault; },
    sdkPath, connectApi, startFlow, callback, session, adminUser, flowRow, eventCount,
  };
}
