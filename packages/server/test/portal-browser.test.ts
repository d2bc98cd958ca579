import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../src/domain/projects/index.ts';
import { STORES, startPortico, type Portico, type StoreKind } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';
import { MockProvider, freePort } from './support/oauth-provider.ts';
import { startSdkPageServer } from './support/sdk-page.ts';
import { openAppPage, type SdkMe } from './support/portal-page.ts';

/**
 * The hosted Connect Portal with the official `@useparagon/connect` 2.4.0 bundle in its default
 * (non-headless) mode, in Chromium: an app page on its own origin calls `paragon.connect(type)`, the
 * SDK frames `{PORTICO_PUBLIC_URL}/connect/ui`, and the portal acts only through the SDK's RPC.
 * The OAuth popup goes to a real OAuth 2.0 server on loopback.
 */

const CHROMIUM = requireChromium('The Connect Portal suite');
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

const SUITES: Array<[StoreKind, Plan]> = STORES.flatMap((kind) => [[kind, 'enterprise'], [kind, 'basic']] as Array<[StoreKind, Plan]>);

describe.skipIf(!CHROMIUM).each(SUITES)('the Connect Portal through the official SDK in default mode (%s, %s plan)', (kind, plan) => {
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
  let apiKeyType: string;
  const workflowIds: Record<string, string> = {};

  beforeAll(async () => {
    await provider.start();
    pageServer = await startSdkPageServer();
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    const port = await freePort();
    porticoUrl = `http://127.0.0.1:${port}`;
    // The basic-plan suites name the app's origin (CORS and frame-ancestors); the others allow any.
    const origins: Record<string, string> = plan === 'basic' ? { PORTICO_CORS_ORIGINS: new URL(pageUrl).origin } : {};
    portico = await startPortico(kind, { plan, config: { PORTICO_PUBLIC_URL: porticoUrl, PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1', ...origins } });
    await portico.app.listen({ port, host: '127.0.0.1' });
    const integration = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Acme CRM', clientId: 'acme-client', clientSecret: 'ACME-CLIENT-SECRET',
      auth: { scheme: 'oauth2', ...provider.endpoints(), scopes: ['contacts.read'], pkce: true },
    });
    expect(integration.statusCode, integration.body).toBe(201);
    integrationType = integration.json().type;
    const portal = await portico.admin('PATCH', `/integrations/${integration.json().id}`, {
      portal: {
        accentColor: '#0f766e',
        description: 'Sync your Acme CRM contacts with our app.',
        userSettings: [
          { id: 'team', title: 'Team name', type: 'text', required: true },
          { id: 'limit', title: 'Contacts per sync', type: 'number' },
          { id: 'region', title: 'Region', type: 'select', options: ['EU', 'US'], required: true },
          { id: 'kinds', title: 'Record kinds', type: 'multiselect', options: ['Leads', 'Deals', 'Tasks'] },
          { id: 'notify', title: 'Email me about failures', type: 'boolean' },
        ],
      },
    });
    expect(portal.statusCode, portal.body).toBe(200);
    const workflows = [
      { name: 'Sync contacts', trigger: { type: 'event', event: 'contact.created' }, userSettings: [{ id: 'folder', title: 'Folder', type: 'text', required: true }] },
      { name: 'Welcome email', trigger: { type: 'integration_enabled' } },
      { name: 'VIP sync', trigger: { type: 'event', event: 'vip' }, permissions: [[{ key: 'tier', op: 'equals', value: 'vip' }]] },
    ];
    for (const workflow of workflows) {
      const created = await portico.admin('POST', '/workflows', { integration: integrationType, ...workflow });
      expect(created.statusCode, created.body).toBe(201);
      workflowIds[workflow.name] = created.json().id;
    }
    const tasklab = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Tasklab', auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }, { id: 'region', title: 'Region', required: false }] },
    });
    expect(tasklab.statusCode, tasklab.body).toBe(201);
    apiKeyType = tasklab.json().type;
    browser = await launchChromium(CHROMIUM!);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
    await portico?.close();
    await provider.stop();
  });

  beforeEach(async () => {
    ({ context, page, log } = await openAppPage(browser, pageUrl, porticoUrl));
  });

  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') {
      console.log(`${test.task.name}:${diagnostics()}`);
      await page.screenshot({ path: '/tmp/portal-agent/fail.png', fullPage: true }).catch(() => undefined);
    }
    await context.close();
    expect(log.filter((line) => line.startsWith('pageerror')), diagnostics()).toEqual([]);
    // The user's token never appears in a URL the portal or its files are fetched with.
    expect(log.filter((line) => line.includes('/connect/ui') && /eyJ/.test(line))).toEqual([]);
  });

  const diagnostics = () => (log.length ? `\nbrowser log:\n  ${log.join('\n  ')}` : '\nbrowser log: (empty)');
  const portalFrame = (): FrameLocator => page.frameLocator('#paragon-connect-frame');
  const events = () => page.evaluate(() => window.portalEvents.map((e) => ({ name: e.name, ...e.payload })));
  const sdkMe = async (sub: string): Promise<SdkMe> => (await portico.connect(sub, 'GET', '/sdk/me')).json();

  async function authenticate(sub: string): Promise<void> {
    const token = await portico.token(sub);
    await page.evaluate(async ({ projectId, token }) => {
      await window.paragon.authenticate(projectId, token);
    }, { projectId: portico.project.projectId, token });
  }

  /** `paragon.connect(type, callbacks)`: the per-integration callbacks record into portalEvents too. */
  async function openPortal(type: string): Promise<void> {
    await page.evaluate((type) => {
      const record = (name: string) => (payload: Record<string, unknown>) => window.portalEvents.push({ name: `connect.${name}`, payload });
      window.connectResult = (window.paragon.connect(type, {
        onOpen: record('onOpen'), onClose: record('onClose'), onInstall: record('onInstall'), onUninstall: record('onUninstall'), onWorkflowChange: record('onWorkflowChange'),
      } as never) as unknown as Promise<unknown>).catch((error: Error) => ({ rejected: error.message }));
    }, type);
    await expect.poll(() => page.locator('#paragon-connect-frame').isVisible(), { timeout: 10_000, message: diagnostics() }).toBe(true);
    await portalFrame().getByRole('dialog').waitFor({ timeout: 10_000 });
  }

  /** docs/screenshots/portal-NAME.png, from the first suite only; tall enough to show the whole card. */
  async function screenshot(name: string, height = 760): Promise<void> {
    if (kind !== STORES[0] || plan !== 'enterprise') return;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 480, height });
    await page.screenshot({ path: `${SCREENSHOTS}portal-${name}.png` });
    await page.setViewportSize({ width: 480, height: 760 });
  }

  it('connect(type) opens the portal; Connect runs the OAuth popup; settings, a workflow switch, Disconnect and Escape work through the SDK', async () => {
    provider.userinfo = { sub: 'acct-7', email: 'ada@acme.test' };
    await authenticate('ada');
    await openPortal(integrationType);
    const frame = portalFrame();

    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onPortalOpen', integrationType }));
    expect(await events()).toContainEqual(expect.objectContaining({ name: 'connect.onOpen', integrationType }));
    await frame.getByRole('heading', { name: 'Acme CRM' }).waitFor();
    await frame.getByText('Sync your Acme CRM contacts with our app.').waitFor();
    const connect = frame.getByRole('button', { name: 'Connect', exact: true });
    await connect.waitFor();
    // The project's accent colour reaches the button.
    expect(await connect.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(15, 118, 110)');
    await screenshot('not-connected', 420);

    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    await connect.click();
    log.push('step: clicked Connect');
    await popupClosed;
    log.push('step: popup closed');
    await frame.getByText('Connected as').waitFor({ timeout: 15_000 });
    await frame.getByText('ada@acme.test').waitFor();
    const result = await page.evaluate(() => window.connectResult) as { credentialId?: string; integrationType?: string };
    expect(result, diagnostics()).toMatchObject({ integrationType });
    const credentialId = result.credentialId!;
    expect(credentialId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await events()).toContainEqual(expect.objectContaining({ name: 'onIntegrationInstall', integrationType }));
    expect(await events()).toContainEqual(expect.objectContaining({ name: 'connect.onInstall', integrationType }));

    // Only the workflow the user may switch is listed: not the Integration Enabled one, not the one their metadata excludes.
    const sync = frame.getByRole('switch', { name: 'Sync contacts' });
    await sync.waitFor();
    expect(await frame.getByRole('switch').count()).toBe(1);
    expect(await frame.getByText('Welcome email').count()).toBe(0);
    expect(await frame.getByText('VIP sync').count()).toBe(0);
    expect(await sync.getAttribute('aria-checked')).toBe('false');
    await sync.click();
    log.push('step: clicked the switch');
    await expect.poll(() => sync.getAttribute('aria-checked')).toBe('true');
    const defaultConfig = async () => (await sdkMe('ada')).integrations[integrationType]!.allCredentials[0]!.configurations.find((c) => c.isDefault)!;
    await expect.poll(async () => (await defaultConfig()).workflowSettings[workflowIds['Sync contacts']!]?.enabled).toBe(true);
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onWorkflowChange', workflowId: workflowIds['Sync contacts'], workflowStateChange: { enabled: true } }));

    // The workflow's own settings, once it is on.
    await frame.getByRole('button', { name: 'Save', exact: true }).click();
    await frame.getByRole('alert').filter({ hasText: 'Fill in: Folder.' }).waitFor();
    await frame.getByLabel('Folder').fill('Inbox');
    await frame.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await defaultConfig()).workflowSettings[workflowIds['Sync contacts']!]).toEqual({ enabled: true, settings: { folder: 'Inbox' } });
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onWorkflowChange', workflowId: workflowIds['Sync contacts'], workflowStateChange: { settings: { folder: 'Inbox' } } }));

    // Integration-level user settings: required ones are enforced before anything is sent.
    log.push('step: workflow on');
    await frame.getByRole('button', { name: 'Save settings' }).click();
    await frame.getByRole('alert').filter({ hasText: 'Fill in: Team name, Region.' }).waitFor();
    await frame.getByLabel('Team name').fill('Growth');
    await frame.getByLabel('Contacts per sync').fill('250');
    await frame.getByLabel('Region').selectOption('EU');
    await frame.getByLabel('Deals').check();
    await frame.getByLabel('Tasks').check();
    await frame.getByLabel('Email me about failures').check();
    await frame.getByRole('button', { name: 'Save settings' }).click();
    await frame.getByRole('region', { name: 'Settings' }).getByText('Settings saved.').waitFor();
    expect((await defaultConfig()).sharedSettings).toEqual({ team: 'Growth', limit: 250, region: 'EU', kinds: ['Deals', 'Tasks'], notify: true });
    await screenshot('connected', 1090);
    // Readable at 360 px: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 640 });
    expect(await frame.locator('html').evaluate((el) => el.scrollWidth)).toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 480, height: 760 });

    log.push('step: settings saved');
    await frame.getByRole('button', { name: 'Disconnect' }).click();
    await frame.getByRole('button', { name: 'Connect', exact: true }).waitFor({ timeout: 10_000 });
    const after = (await sdkMe('ada')).integrations[integrationType]!;
    expect(after).toMatchObject({ enabled: false, allCredentials: [] });
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onIntegrationUninstall', integrationType }));

    // Escape closes through the SDK, so its onClose fires and the frame is hidden again.
    await frame.getByRole('dialog').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#paragon-connect-frame').isVisible()).toBe(false);
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onPortalClose', integrationType }));
    expect(await events()).toContainEqual(expect.objectContaining({ name: 'connect.onClose', integrationType }));
  });

  it('an INVALID credential shows the warning, and Reconnect restores it with the same credential id', async () => {
    const imported = await portico.admin('POST', '/users/grace/credentials', {
      integration: integrationType, accessToken: 'revoked-token', providerId: 'acct-9', providerData: { email: 'grace@acme.test' }, status: 'INVALID',
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const credentialId = imported.json().id as string;
    const settings = await portico.connect('grace', 'PATCH', `/sdk/credentials/${credentialId}`, { config: { sharedSettings: { team: 'Ops', region: 'US' } } });
    expect(settings.statusCode, settings.body).toBe(200);
    provider.userinfo = { sub: 'acct-9', email: 'grace@acme.test' };
    await authenticate('grace');
    await openPortal(integrationType);
    const frame = portalFrame();

    const warning = frame.getByRole('alert').filter({ hasText: "We can't reach your Acme CRM account." });
    await warning.waitFor();
    await frame.getByText('grace@acme.test').waitFor();
    expect(await frame.getByRole('switch').count()).toBe(0);
    await screenshot('invalid', 500);

    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    await warning.getByRole('button', { name: 'Reconnect' }).click();
    await popupClosed;
    await frame.getByRole('switch', { name: 'Sync contacts' }).waitFor({ timeout: 15_000 });
    expect(await warning.count()).toBe(0);
    const state = (await sdkMe('grace')).integrations[integrationType]!;
    expect(state, diagnostics()).toMatchObject({ enabled: true, credentialId, allCredentials: [{ id: credentialId, status: 'VALID' }] });
    // Reconnected in place: the settings are still there, and the portal shows them.
    expect(state.allCredentials[0]!.configurations.find((c) => c.isDefault)!.sharedSettings).toEqual({ team: 'Ops', region: 'US' });
    expect(await frame.getByLabel('Team name').inputValue()).toBe('Ops');
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onIntegrationInstall', integrationType }));

    // The close button closes too.
    await frame.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('#paragon-connect-frame').isVisible()).toBe(false);
  });

  it('an API-key integration connects through a form that checks required inputs; keyboard only; dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await authenticate('linus');
    await openPortal(apiKeyType);
    const frame = portalFrame();
    await frame.getByRole('heading', { name: 'Tasklab' }).waitFor();
    expect(await frame.getByRole('dialog').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(17, 24, 39)');

    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await frame.getByRole('alert').filter({ hasText: 'Fill in: API key.' }).waitFor();
    expect(await frame.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');
    expect((await sdkMe('linus')).integrations[apiKeyType]!.allCredentials).toEqual([]);

    // Keyboard only: type the key and press Enter to submit.
    await frame.getByLabel('API key').focus();
    await page.keyboard.type('tl-secret-123');
    await page.keyboard.press('Enter');
    await frame.getByText('Connected to Tasklab').waitFor({ timeout: 10_000 });
    const state = (await sdkMe('linus')).integrations[apiKeyType]!;
    expect(state).toMatchObject({ enabled: true, allCredentials: [{ status: 'VALID' }] });
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onIntegrationInstall', integrationType: apiKeyType }));
    // The account is removed behind the portal's back (another tab): Disconnect shows what is true now.
    const gone = await portico.connect('linus', 'DELETE', `/sdk/integrations/${apiKeyType}`, undefined, { 'x-paragon-credential': state.allCredentials[0]!.id });
    expect(gone.statusCode).toBe(200);
    await frame.getByRole('button', { name: 'Disconnect' }).click();
    await frame.getByText('This account was already disconnected.').waitFor();
    const connectAgain = frame.getByRole('button', { name: 'Connect', exact: true });
    await connectAgain.waitFor();
    // Focus stays in the dialog: Tab from the last control comes back to the first (Close).
    await connectAgain.focus();
    await page.keyboard.press('Tab');
    expect(await frame.getByRole('button', { name: 'Close' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#paragon-connect-frame').isVisible()).toBe(false);
  });

  it('several accounts with allowMultipleCredentials; a declined OAuth is shown in words', async () => {
    const first = await portico.admin('POST', '/users/mia/credentials', {
      integration: integrationType, accessToken: 'first-token', providerId: 'acct-1', providerData: { email: 'mia@work.test' },
    });
    expect(first.statusCode, first.body).toBe(201);
    await authenticate('mia');
    await page.evaluate((type) => {
      void (window.paragon.connect(type, { allowMultipleCredentials: true } as never) as unknown as Promise<unknown>).catch(() => undefined);
    }, integrationType);
    await portalFrame().getByRole('dialog').waitFor({ timeout: 10_000 });
    const frame = portalFrame();
    await frame.getByText('mia@work.test').waitFor();

    await frame.getByRole('button', { name: '+ Connect another account' }).click();
    provider.nextAuthorize = (url) => {
      url.searchParams.delete('code');
      url.searchParams.set('error', 'access_denied');
    };
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    const declined = frame.getByRole('alert').filter({ hasText: 'The account could not be connected' });
    await declined.waitFor({ timeout: 15_000 });
    expect(await declined.textContent()).not.toMatch(/[{}]/);
    for (const popup of context.pages().slice(1)) await popup.close();

    provider.userinfo = { sub: 'acct-2', email: 'mia@home.test' };
    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await popupClosed;
    await frame.getByText('mia@home.test').waitFor({ timeout: 15_000 });
    await frame.getByText('mia@work.test').waitFor();
    expect(await frame.getByRole('button', { name: 'Disconnect' }).count()).toBe(2);
    const state = (await sdkMe('mia')).integrations[integrationType]!;
    expect(state.allCredentials.map((c) => c.status)).toEqual(['VALID', 'VALID']);
  });

  it('a built-in with pre-OAuth inputs (Zendesk subdomain) asks for them, then runs the OAuth popup', async () => {
    const zendesk = await portico.admin('POST', '/integrations', {
      type: 'zendesk', clientId: 'zd-client', clientSecret: 'ZD-SECRET',
      overrides: { authorizationUrl: `${provider.endpoints().authorizationUrl}?sub={subdomain}`, tokenUrl: provider.endpoints().tokenUrl, accountUrl: provider.endpoints().accountUrl },
    });
    expect(zendesk.statusCode, zendesk.body).toBe(201);
    provider.userinfo = { sub: 'zd-77', user: { id: 77, email: 'otto@acme.zendesk.test' } };
    await authenticate('otto');
    await openPortal('zendesk');
    const frame = portalFrame();
    await frame.getByRole('heading', { name: 'Zendesk' }).waitFor();
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await frame.getByRole('alert').filter({ hasText: 'Fill in: Zendesk subdomain.' }).waitFor();
    await frame.getByLabel('Zendesk subdomain').fill('acme');
    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await popupClosed;
    await frame.getByText('Connected as').waitFor({ timeout: 15_000 });
    const state = (await sdkMe('otto')).integrations.zendesk!;
    expect(state, diagnostics()).toMatchObject({ enabled: true, allCredentials: [{ status: 'VALID' }] });
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onIntegrationInstall', integrationType: 'zendesk' }));
  });

  it('post-OAuth inputs: after the popup the account is PENDING and the portal asks for them; then it is connected', async () => {
    const deskly = await portico.admin('POST', '/integrations', {
      type: 'custom', name: 'Deskly', clientId: 'deskly-client', clientSecret: 'DESKLY-SECRET',
      auth: { scheme: 'oauth2', ...provider.endpoints(), scopes: ['read'], postOAuthInputs: [{ id: 'workspace', title: 'Workspace', required: true }] },
    });
    expect(deskly.statusCode, deskly.body).toBe(201);
    const type = deskly.json().type as string;
    provider.userinfo = { sub: 'acct-55', email: 'ines@deskly.test' };
    await authenticate('ines');
    await openPortal(type);
    const frame = portalFrame();
    const popupClosed = new Promise<void>((resolve) => context.once('page', (popup) => popup.once('close', () => resolve())));
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await popupClosed;
    await frame.getByText('Setup not finished').waitFor({ timeout: 15_000 });
    expect((await sdkMe('ines')).integrations[type]!.allCredentials).toMatchObject([{ status: 'PENDING' }]);
    await frame.getByRole('button', { name: 'Finish setup' }).click();
    await frame.getByRole('alert').filter({ hasText: 'Fill in: Workspace.' }).waitFor();
    await frame.getByLabel('Workspace').fill('support');
    await frame.getByRole('button', { name: 'Finish setup' }).click();
    await frame.getByText('Connected', { exact: true }).waitFor({ timeout: 10_000 });
    expect((await sdkMe('ines')).integrations[type]!).toMatchObject({ enabled: true, allCredentials: [{ status: 'VALID' }] });
    await expect.poll(events).toContainEqual(expect.objectContaining({ name: 'onIntegrationInstall', integrationType: type }));
  });

  it('serves the portal with frame-ancestors and without a CDN, small', async () => {
    const html = await fetch(`${porticoUrl}/connect/ui?projectId=${portico.project.projectId}`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain(`frame-ancestors ${plan === 'basic' ? new URL(pageUrl).origin : '*'}`);
    const body = await html.text();
    expect(body).not.toMatch(/https?:\/\//);
    const missing = await fetch(`${porticoUrl}/connect/ui/assets/..%2Fpackage.json`);
    expect(missing.status).toBe(404);
  });
});
