import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readSecrets } from '../src/domain/connections/index.ts';
import { STORES } from './harness.ts';
import { fingerprint } from './support/db-fingerprint.ts';
import { APP_ORIGIN, oauthInstallSuite } from './support/oauth-install-suite.ts';
import { parseSetCookie } from './support/oauth-provider.ts';

/**
 * The official SDK's headless OAuth install, step by step over plain HTTP, against a real OAuth 2.0
 * server on loopback: the oauth-nonce popup page and its cookie, build-oauth, the provider's
 * authorize redirect, the /oauth callback, and the SDK's session-id polling; and every way a
 * callback is refused without storing anything.
 */
describe.each(STORES)('OAuth install flow (%s)', (kind) => {
  const s = oauthInstallSuite(kind);
  const { provider, clock, connectApi, startFlow, callback, session, adminUser, flowRow, eventCount, sdkPath } = s;
  it('connects a custom OAuth 2.0 integration: nonce cookie, PKCE, code exchange, userinfo, VALID credential, session-id', async () => {
    const flow = await startFlow('ada', s.custom);
    expect(flow.cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/oauth' });
    expect(flow.cookie.attributes.secure).toBeUndefined();
    expect(Number(flow.cookie.attributes['max-age'])).toBe(600);

    const authorize = flow.redirectUrl;
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.url}/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code', client_id: 'acme-client', redirect_uri: `${s.base}/oauth`, scope: 'contacts.read contacts.write', code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(flow.callbackUrl.startsWith(`${s.base}/oauth?`)).toBe(true);

    const stored = await flowRow({ stateOf: flow });
    expect(stored).toMatchObject({ status: 'pending', oauth_meta_key_id: flow.metaKey, redirect_uri: `${s.base}/oauth`, origin: APP_ORIGIN });
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
      grant_type: 'authorization_code', redirect_uri: `${s.base}/oauth`, client_id: 'acme-client', client_secret: 'ACME-CLIENT-SECRET',
      code: new URL(flow.callbackUrl).searchParams.get('code'),
    });
    expect(tokenRequest.body.code_verifier).toMatch(/^[\w-]{43}$/);

    const { connectCredentialId } = await session(flow);
    expect(connectCredentialId).toMatch(/^[0-9a-f-]{36}$/);
    const credential = (await connectApi('ada', 'GET', `/credentials/${connectCredentialId}`)).json;
    expect(credential).toMatchObject({
      id: connectCredentialId, integrationId: s.custom.id, status: 'VALID', providerId: 'acct-1',
      providerData: { sub: 'acct-1', email: 'ada@acme.test', name: 'Ada' },
    });
    expect(credential.providerData.access_token_hint).toBeUndefined();
    expect(Math.abs(Date.parse(credential.dateValidUntil) - (clock.now() + 3600_000))).toBeLessThan(10_000);
    expect(credential.configurations[0].workflowSettings).toEqual({ [s.onByDefault.id]: { enabled: true, settings: {} } });
    expect(await eventCount('integration.installed')).toBe(before + 1);

    const secrets = await readSecrets(s.portico.ctx, connectCredentialId);
    expect(secrets?.accessToken).toBe(provider.accessTokens.at(-1));
    expect(secrets?.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
    const raw = await s.portico.store.db.selectFrom('credentials').select('secrets').where('id', '=', connectCredentialId).executeTakeFirstOrThrow();
    expect(raw.secrets).not.toContain(secrets!.accessToken!.slice(0, 20));

    const user = await adminUser('ada');
    expect(user.integrations[s.custom.type]).toMatchObject({ enabled: true, credentialId: connectCredentialId, credentialStatus: 'VALID', providerId: 'acct-1' });

    expect((await connectApi('ada', 'DELETE', `/actions/session-id/${flow.metaKey}`)).json).toEqual({ forgotten: 1 });
    expect(await session(flow)).toEqual({});
    // Another user cannot read someone's session key.
    expect((await connectApi('mallory', 'GET', `/actions/session-id/${flow.metaKey}`)).json).toEqual({});
  });

  it("connects a built-in type whose endpoints are overridden, reading the account as the catalog says (no PKCE unless the provider wants it)", async () => {
    // HubSpot's catalog entry: providerId is the answer's portalId, providerData.uiDomain its uiDomain.
    provider.userinfo = { portalId: 4242, uiDomain: 'app.hubspot.com', timeZone: 'UTC' };
    const flow = await startFlow('grace', s.builtIn);
    expect(Object.fromEntries(flow.redirectUrl.searchParams)).toMatchObject({ client_id: 'hub-client', scope: 'crm.objects.contacts.read', redirect_uri: `${s.base}/oauth` });
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
    const zendesk = (await s.portico.admin('POST', '/integrations', { type: 'zendesk', clientId: 'zd', clientSecret: 'ZD-SECRET', overrides: provider.endpoints() })).json();
    const token = await s.portico.token('mary');
    const build = (values: unknown) => fetch(`${s.base}/v2/projects/${s.portico.project.projectId}/sdk/actions/build-oauth?integrationId=${zendesk.id}&endUserSuppliedValues=${encodeURIComponent(JSON.stringify(values))}`, {
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
    expect((await readSecrets(s.portico.ctx, connectCredentialId))!.inputs).toEqual({ subdomain: 'acme' });
  });

  it('refuses a forged state, a replayed state, a missing cookie, another user\'s cookie and an expired state, storing nothing', async () => {
    const flow = await startFlow('linus', s.custom);
    const code = new URL(flow.callbackUrl).searchParams.get('code')!;
    const before = await fingerprint(s.portico.store);

    const forged = await callback(`${s.base}/oauth?code=${code}&state=${'A'.repeat(43)}`, flow.cookie);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('OAUTH_STATE_INVALID');
    expect(forged.html).not.toContain('postMessage');
    expect((await callback(`${s.base}/oauth?code=${code}`, flow.cookie)).html).toContain('OAUTH_STATE_INVALID');

    const missing = await callback(flow.callbackUrl);
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('OAUTH_NONCE_MISSING');

    // A cookie Portico made for another user (an attacker planting their own state in this browser).
    const mallory = await startFlow('mallory', s.custom);
    const crossed = await callback(flow.callbackUrl, mallory.cookie);
    expect(crossed.status).toBe(400);
    expect(crossed.html).toContain('OAUTH_NONCE_MISMATCH');
    const tampered = await callback(flow.callbackUrl, `${flow.cookie.name}=${flow.cookie.value.slice(0, -4)}AAAA`);
    expect(tampered.html).toContain('OAUTH_NONCE_MISMATCH');
    expect(provider.tokenRequests.some((r) => r.body.code === code)).toBe(false);

    // None of those wrote anything, not even to the flow (mallory's own flow aside).
    const after = await fingerprint(s.portico.store);
    expect(after.rows.oauth_flows).toBe(before.rows.oauth_flows! + 1);
    expect(after.rows.credentials).toBe(before.rows.credentials);
    expect(after.rows.events).toBe(before.rows.events);

    // The right browser still completes it; a replay is then refused.
    expect((await callback(flow.callbackUrl, flow.cookie)).status).toBe(200);
    const snapshot = await fingerprint(s.portico.store);
    const replay = await callback(flow.callbackUrl, flow.cookie);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('OAUTH_STATE_USED');
    expect((await fingerprint(s.portico.store)).hash).toBe(snapshot.hash);

    // Expiry, by the clock rather than by waiting.
    const late = await startFlow('linus2', s.custom);
    const beforeLate = await fingerprint(s.portico.store);
    clock.advance(10 * 60_000 + 1);
    try {
      const expired = await callback(late.callbackUrl, late.cookie);
      expect(expired.status).toBe(400);
      expect(expired.html).toContain('OAUTH_STATE_EXPIRED');
      expect((await fingerprint(s.portico.store)).hash).toBe(beforeLate.hash);
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
    const flow = await startFlow('hopper', s.custom);
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
    expect((await adminUser('hopper')).integrations[s.custom.type]).toMatchObject({ enabled: false, allCredentials: [] });
    expect(await flowRow({ stateOf: flow })).toMatchObject({ status: 'denied', error: 'OAUTH_ACCESS_DENIED', credential_id: null });
    // The state is spent.
    expect((await callback(flow.callbackUrl, flow.cookie)).html).toContain('OAUTH_STATE_USED');
  });

  it('stores nothing when the token endpoint refuses the code or the token URL is not allowed', async () => {
    provider.nextTokenAnswer = (response) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant', error_description: 'Code expired' };
    };
    const flow = await startFlow('ken', s.custom);
    const page = await callback(flow.callbackUrl, flow.cookie);
    expect(page.status).toBe(502);
    expect(page.html).toContain('OAUTH_TOKEN_EXCHANGE_FAILED');
    expect(page.html).toContain('invalid_grant');
    expect(page.html).not.toContain('ACME-CLIENT-SECRET');
    expect(await session(flow)).toEqual({});
    expect((await adminUser('ken')).integrations[s.custom.type].allCredentials).toEqual([]);

    const privateHost = (await s.portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Intranet', clientId: 'c', auth: { scheme: 'oauth2', authorizationUrl: `${provider.url}/authorize`, tokenUrl: 'http://10.20.30.40/token' },
    })).json();
    const blocked = await startFlow('ken', privateHost);
    const refused = await callback(blocked.callbackUrl, blocked.cookie);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('OUTBOUND_REQUEST_BLOCKED');
    expect((await adminUser('ken')).integrations[privateHost.type].allCredentials).toEqual([]);
  });
});
