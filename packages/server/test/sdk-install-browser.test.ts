import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IConnectSDK } from '@useparagon/connect';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSecrets } from '../src/domain/connections/index.ts';
import { STORES, startPortico, type Portico } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';
import { MockProvider, freePort } from './support/oauth-provider.ts';
import { startSdkPageServer } from './support/sdk-page.ts';

/**
 * `paragon.installIntegration(type)` of the official `@useparagon/connect` 2.4.0 bundle, headless,
 * in Chromium: the SDK opens the popup on Portico's oauth-nonce page, sends it to a real OAuth 2.0
 * server on loopback, which redirects it to Portico's /oauth; the SDK polls session-id and resolves.
 */

const CHROMIUM = requireChromium('The SDK install suite');

interface SdkIntegrationState {
  enabled: boolean;
  credentialId?: string;
  credentialStatus?: string;
  providerId?: string;
  allCredentials: Array<{ id: string; status: string }>;
}

describe.skipIf(!CHROMIUM).each(STORES)('installIntegration through the official SDK in Chromium (%s)', (kind) => {
  const provider = new MockProvider();
  let portico: Portico;
  let porticoUrl: string;
  let pageServer: http.Server;
  let pageUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let log: string[];
  let integrationType: string;

  beforeAll(async () => {
    await provider.start();
    const port = await freePort();
    porticoUrl = `http://127.0.0.1:${port}`;
    portico = await startPortico(kind, { config: { PORTICO_PUBLIC_URL: porticoUrl, PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await portico.app.listen({ port, host: '127.0.0.1' });
    const integration = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'ACME-CLIENT-SECRET',
      auth: { scheme: 'oauth2', ...provider.endpoints(), scopes: ['contacts.read'], pkce: true },
    });
    expect(integration.statusCode, integration.body).toBe(201);
    integrationType = integration.json().type;
    pageServer = await startSdkPageServer();
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await launchChromium(CHROMIUM!);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
    await portico?.close();
    await provider.stop();
  });

  beforeEach(async () => {
    provider.userinfo = { sub: 'acct-7', email: 'ada@acme.test' };
    provider.nextAuthorize = undefined;
    context = await browser.newContext();
    log = [];
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    page = await context.newPage();
    page.on('pageerror', (error) => log.push(`pageerror: ${error.message} ${error.stack?.split('\n').slice(0, 4).join(' | ')}`));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`); });
    page.on('response', (r) => log.push(`HTTP ${r.status()} ${r.request().method()} ${r.url().replace(/userToken=[^&]+/, 'userToken=…')}`));
    context.on('page', (popup) => {
      log.push(`popup opened: ${popup.url().replace(/userToken=[^&]+/, 'userToken=…')}`);
      popup.on('framenavigated', (frame) => log.push(`popup at ${frame.url().replace(/userToken=[^&]+/, 'userToken=…')}`));
      popup.on('console', (m) => log.push(`popup console.${m.type()}: ${m.text()}`));
      popup.on('requestfailed', (r) => log.push(`popup request failed: ${r.url().replace(/userToken=[^&]+/, 'userToken=…')} ${r.failure()?.errorText}`));
      popup.on('response', (r) => log.push(`popup HTTP ${r.status()} ${r.url().replace(/userToken=[^&]+/, 'userToken=…')}`));
      popup.on('pageerror', (error) => log.push(`popup pageerror: ${error.message}`));
    });
    await page.goto(pageUrl);
    // The bundle's own singleton, as apps use it (`import { paragon }`): every SDK instance listens to
    // the window's messages, and an unauthenticated second one would trip over oauth_error_callback.
    await page.evaluate((base) => {
      const envs = ['CONNECT', 'DASHBOARD', 'PASSPORT', 'PASSPORT_PRODUCTION', 'WORKER_PROXY', 'ZEUS', 'HERMES', 'CDN', 'API_TRIGGER_KIT'];
      window.paragon = (window as unknown as { module: { exports: { paragon: IConnectSDK } } }).module.exports.paragon;
      window.paragon.configureGlobal({ host: base }, Object.fromEntries(envs.map((name) => [`${name}_PUBLIC_URL`, base])));
      window.paragon.setHeadless(true);
    }, porticoUrl);
  });

  afterEach(async () => {
    await context.close();
    expect(log.filter((line) => line.includes('pageerror')), diagnostics()).toEqual([]);
  });

  const diagnostics = () => (log.length ? `\nbrowser log:\n  ${log.join('\n  ')}` : '\nbrowser log: (empty)');

  async function authenticate(sub: string): Promise<void> {
    const token = await portico.token(sub);
    await page.evaluate(async ({ projectId, token }) => {
      await window.paragon.authenticate(projectId, token);
    }, { projectId: portico.project.projectId, token });
  }

  /** installIntegration in the page: what it resolved with, or the message it rejected with. */
  function install(type: string, options: Record<string, unknown> = {}) {
    return page.evaluate(async ({ type, options }) => {
      try {
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('installIntegration did not settle within 15 s')), 15_000));
        return { resolved: await Promise.race([window.paragon.installIntegration(type, options), timeout]) as { integrationId: string; integrationType: string; credentialId?: string } };
      } catch (error) {
        const message = error instanceof Error ? error.message : (error as { message?: string }).message ?? JSON.stringify(error);
        return { rejected: message };
      }
    }, { type, options });
  }

  const sdkState = (type: string) => page.evaluate((type) => {
    const user = window.paragon.getUser() as { integrations?: Record<string, unknown> };
    return user.integrations?.[type] as SdkIntegrationState | undefined;
  }, type);

  it('installIntegration opens the popup, goes through the provider and Portico\'s /oauth, and getUser() shows the credential VALID', async () => {
    await authenticate('ada');
    expect(await sdkState(integrationType), diagnostics()).toMatchObject({ enabled: false, allCredentials: [] });

    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    const result = await install(integrationType);
    expect(result.resolved, diagnostics()).toMatchObject({ integrationType });
    const credentialId = result.resolved!.credentialId!;
    expect(credentialId).toMatch(/^[0-9a-f-]{36}$/);
    await popupClosed;

    expect(await sdkState(integrationType), diagnostics()).toMatchObject({
      enabled: true, credentialId, credentialStatus: 'VALID', providerId: 'acct-7', allCredentials: [{ id: credentialId, status: 'VALID' }],
    });
    // The SDK's own fresh read of the server agrees.
    await authenticate('ada');
    expect(await sdkState(integrationType)).toMatchObject({ enabled: true, credentialId, credentialStatus: 'VALID' });
    expect((await readSecrets(portico.ctx, credentialId))?.accessToken).toBe(provider.accessTokens.at(-1));
    expect(log.some((line) => line.startsWith('popup HTTP 200') && line.includes('/oauth?')), diagnostics()).toBe(true);
  });

  it('reconnects an INVALID credential in place with installIntegration(type, { selectedCredentialId })', async () => {
    await authenticate('grace');
    const first = await install(integrationType);
    const credentialId = first.resolved!.credentialId!;
    await portico.store.db.updateTable('credentials').set({ status: 'INVALID' }).where('id', '=', credentialId).execute();
    await authenticate('grace');
    expect(await sdkState(integrationType), diagnostics()).toMatchObject({ enabled: false, credentialStatus: 'INVALID' });

    const again = await install(integrationType, { selectedCredentialId: credentialId });
    expect(again.resolved?.credentialId, diagnostics()).toBe(credentialId);
    expect(await sdkState(integrationType)).toMatchObject({ enabled: true, credentialId, credentialStatus: 'VALID', allCredentials: [{ id: credentialId, status: 'VALID' }] });
  });

  it('rejects installIntegration when the user declines at the provider, and nothing is connected', async () => {
    provider.nextAuthorize = (url) => {
      url.searchParams.delete('code');
      url.searchParams.set('error', 'access_denied');
    };
    await authenticate('linus');
    const result = await install(integrationType);
    expect(result.rejected, diagnostics()).toMatch(/declined/);
    expect(await sdkState(integrationType)).toMatchObject({ enabled: false, allCredentials: [] });
    const stored = (await portico.admin('GET', '/users/linus')).json();
    expect(stored.integrations[integrationType]).toMatchObject({ enabled: false, allCredentials: [] });
  });
});
