import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';
import { LocalApi } from './support/local-api.ts';
import { startSdkPageServer } from './support/sdk-page.ts';

/**
 * End to end: the official `@useparagon/connect` 2.4.0 bundle, in headless Chromium, talking to a
 * listening Portico from another origin (so every call also goes through CORS).
 */

const CHROMIUM = requireChromium('The official SDK browser suite');

/** getUser() as the SDK returns it once authenticated (the SDK's own type is a union with `{authenticated:false}`). */
interface SdkUser {
  authenticated: boolean;
  userId?: string;
  meta?: Record<string, unknown>;
  integrations?: Record<string, { enabled: boolean; credentialId?: string; allCredentials: Array<{ id: string; status: string }>; [key: string]: unknown }>;
}

describe.skipIf(!CHROMIUM).each(STORES)('official Connect SDK in Chromium (%s)', (kind) => {
  let portico: Portico;
  let porticoUrl: string;
  let pageServer: http.Server;
  let pageUrl: string;
  let browser: Browser;
  let seed: Awaited<ReturnType<typeof seedSalesforce>>;
  let context: BrowserContext;
  let page: Page;
  let log: string[];

  beforeAll(async () => {
    // The proxy test's local API is on loopback.
    portico = await startPortico(kind, { config: { PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    porticoUrl = await portico.app.listen({ port: 0, host: '127.0.0.1' });
    pageServer = await startSdkPageServer();
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await launchChromium(CHROMIUM!);
    seed = await seedSalesforce(portico, 'ada');
    // Workflow runs (the App Event test) need the job workers.
    await portico.ctx.jobs.start();
  });

  afterAll(async () => {
    await portico?.ctx.jobs.stop();
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
    await portico?.close();
  });

  beforeEach(async () => {
    // A fresh context per test: the SDK persists its user state in localStorage.
    context = await browser.newContext();
    log = [];
    // The bundle builds a default singleton aimed at connect.useparagon.com; nothing may leave the machine.
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (r) => { if (new URL(r.url()).hostname === '127.0.0.1') log.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`); });
    page.on('response', (r) => { if (r.status() >= 400) log.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`); });
    await page.goto(pageUrl);
    await inPage((base) => {
      const envs = ['CONNECT', 'DASHBOARD', 'PASSPORT', 'PASSPORT_PRODUCTION', 'WORKER_PROXY', 'ZEUS', 'HERMES', 'CDN', 'API_TRIGGER_KIT'];
      window.paragon = new window.ConnectSDK(Object.fromEntries(envs.map((name) => [`${name}_PUBLIC_URL`, base])));
      window.paragon.setHeadless(true);
    }, porticoUrl);
  });

  afterEach(async () => {
    await context.close();
    expect(log.filter((line) => line.startsWith('pageerror')), diagnostics()).toEqual([]);
  });

  const diagnostics = () => (log.length ? `\nbrowser log:\n  ${log.join('\n  ')}` : '\nbrowser log: (empty)');

  async function inPage<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    try {
      // Our arguments are plain JSON, for which playwright's (unexported) Unboxed<A> is A itself.
      return await page.evaluate<R, A>(fn as never, arg);
    } catch (error) {
      throw new Error(`${(error as Error).message}${diagnostics()}`);
    }
  }

  async function authenticate(sub: string, metadata?: Record<string, unknown>): Promise<SdkUser> {
    const token = await portico.token(sub);
    return inPage(async ({ projectId, token, metadata }) => {
      await window.paragon.authenticate(projectId, token, metadata ? { metadata } : undefined);
      return window.paragon.getUser() as SdkUser;
    }, { projectId: portico.project.projectId, token, metadata });
  }

  /** The error message authenticate() rejects with, or null if it resolved. */
  function authenticateError(token: string): Promise<string | null> {
    return inPage(async ({ projectId, token }) => {
      try {
        await window.paragon.authenticate(projectId, token);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    }, { projectId: portico.project.projectId, token });
  }

  const getUser = () => inPage(() => window.paragon.getUser() as SdkUser, undefined);

  async function adminUser(sub: string) {
    const response = await portico.admin('GET', `/users/${encodeURIComponent(sub)}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  async function importCredential(sub: string): Promise<string> {
    const response = await portico.admin('POST', `/users/${sub}/credentials`, { integration: 'salesforce', accessToken: `token-of-${sub}`, providerId: `sf-${sub}` });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  it('authenticate with metadata: stored server-side as Name/Email, getUser shows the user and the imported credential', async () => {
    const user = await authenticate('ada', { name: 'Ada', email: 'ada@example.com', apiKey: 'k1' });
    const expectedMeta = { Name: 'Ada', Email: 'ada@example.com', apiKey: 'k1' };
    expect(user, diagnostics()).toMatchObject({ authenticated: true, userId: 'ada', meta: expectedMeta });

    const salesforce = user.integrations?.salesforce;
    expect(salesforce, diagnostics()).toMatchObject({
      enabled: true,
      credentialId: seed.credential.id,
      credentialStatus: 'VALID',
      providerId: '00502000000abc',
      providerData: { instanceURL: 'https://acme.my.salesforce.com' },
    });
    expect(salesforce?.allCredentials.map((c) => [c.id, c.status])).toEqual([[seed.credential.id, 'VALID']]);
    expect(salesforce?.workflowSettings).toMatchObject({ [seed.onByDefault.id]: { enabled: true } });
    expect(JSON.stringify(user)).not.toContain('SECRET');

    expect((await adminUser('ada')).meta).toEqual(expectedMeta);
  });

  it('authenticate without metadata: the user exists with empty metadata and no metadata write is sent', async () => {
    const patches: string[] = [];
    page.on('request', (r) => { if (r.method() === 'PATCH') patches.push(r.url()); });
    const user = await authenticate('grace');
    expect(user, diagnostics()).toMatchObject({ authenticated: true, userId: 'grace', meta: {} });
    expect(user.integrations?.salesforce).toMatchObject({ enabled: false, allCredentials: [] });
    expect(patches).toEqual([]);
    const stored = await adminUser('grace');
    expect(stored.meta).toEqual({});
    expect(stored.integrations.salesforce).toMatchObject({ enabled: false, allCredentials: [] });
  });

  it('setUserMetadata merges into the stored metadata, normalizing email to Email', async () => {
    await authenticate('hopper', { name: 'Grace Hopper' });
    const meta = await inPage(async () => (await window.paragon.setUserMetadata({ EMAIL: 'grace@navy.mil', plan: 'pro' })).meta, undefined);
    const expected = { Name: 'Grace Hopper', Email: 'grace@navy.mil', plan: 'pro' };
    expect(meta, diagnostics()).toEqual(expected);
    expect((await getUser()).meta).toEqual(expected);
    expect((await adminUser('hopper')).meta).toEqual(expected);
  });

  it('enableWorkflow and disableWorkflow change the workflow state the server keeps', async () => {
    const credentialId = await importCredential('linus');
    await authenticate('linus');
    const { onByDefault, offByDefault } = seed;

    await inPage((id) => window.paragon.enableWorkflow(id), offByDefault.id);
    await inPage((id) => window.paragon.disableWorkflow(id, {}), onByDefault.id);

    const expected = { [offByDefault.id]: { enabled: true }, [onByDefault.id]: { enabled: false } };
    expect((await getUser()).integrations?.salesforce?.workflowSettings, diagnostics()).toMatchObject(expected);
    const stored = (await adminUser('linus')).integrations.salesforce;
    expect(stored.credentialId).toBe(credentialId);
    expect(stored.workflowSettings).toMatchObject(expected);

    // Enabling twice is refused by the SDK itself, from the state the server returned.
    const again = await inPage((id) => window.paragon.enableWorkflow(id).then(() => null, (e: Error) => e.message), offByDefault.id);
    expect(again).toMatch(/already enabled/);
  });

  it("uninstallIntegration('salesforce') deletes the credential server-side and getUser shows it disabled", async () => {
    const credentialId = await importCredential('ken');
    const before = await authenticate('ken');
    expect(before.integrations?.salesforce?.enabled, diagnostics()).toBe(true);

    await inPage(() => window.paragon.uninstallIntegration('salesforce'), undefined);
    expect((await getUser()).integrations?.salesforce, diagnostics()).toMatchObject({ enabled: false, allCredentials: [] });

    const stored = (await adminUser('ken')).integrations.salesforce;
    expect(stored).toMatchObject({ enabled: false, allCredentials: [] });
    expect(JSON.stringify(stored)).not.toContain(credentialId);

    // A fresh authenticate reads the server again: still disconnected.
    const after = await authenticate('ken');
    expect(after.integrations?.salesforce).toMatchObject({ enabled: false, allCredentials: [] });
  });

  it('request() calls the integration API through the proxy and returns the unwrapped output; errors reject, INVALID re-reads /sdk/me', async () => {
    const api = new LocalApi();
    await api.start();
    try {
      const created = await portico.admin('POST', '/integrations', {
        type: 'custom', name: 'Notes API', clientId: 'notes-client',
        auth: { scheme: 'oauth2', authorizationUrl: `${api.url}/authorize`, tokenUrl: `${api.url}/token` }, apiBaseUrl: `${api.url}/v1`,
      });
      expect(created.statusCode, created.body).toBe(201);
      const type = created.json().type as string;
      api.tokens.add('ruth-token');
      expect((await portico.admin('POST', '/users/ruth/credentials', { integration: type, accessToken: 'ruth-token' })).statusCode).toBe(201);
      await authenticate('ruth');

      const output = await inPage(({ type }) => window.paragon.request(type, '/notes?limit=1', { method: 'POST', body: { title: 'Hi' } }), { type });
      expect(output, diagnostics()).toMatchObject({ method: 'POST', path: '/v1/notes', query: { limit: '1' }, contentType: 'application/json', body: '{"title":"Hi"}', token: 'ruth-token' });
      expect(api.seen.at(-1)?.headers.authorization).toBe('Bearer ruth-token');

      // A provider error rejects with the SDK's ProxyRequestError, whose message is the JSON of meta.
      const failure = await inPage(({ type }) => window.paragon.request(type, '/missing', { method: 'GET' }).then(() => null, (e: Error) => e.message), { type });
      expect(JSON.parse(failure!), diagnostics()).toMatchObject({ isIntegrationError: true, integrationType: type, status: 404 });

      // An INVALID credential: 401 without a provider call, and the SDK re-reads /sdk/me.
      expect((await portico.admin('POST', '/users/sam/credentials', { integration: type, accessToken: 'sam-token', status: 'INVALID' })).statusCode).toBe(201);
      await authenticate('sam');
      const meReads: string[] = [];
      page.on('request', (r) => { if (r.url().endsWith('/sdk/me')) meReads.push(r.url()); });
      const seenBefore = api.seen.length;
      const invalid = await inPage(({ type }) => window.paragon.request(type, '/notes', { method: 'GET' }).then(() => null, (e: Error) => e.message), { type });
      expect(invalid, diagnostics()).toMatch(/INVALID/);
      expect(api.seen.length).toBe(seenBefore);
      expect(meReads.length, diagnostics()).toBeGreaterThanOrEqual(1);
      expect((await getUser()).authenticated).toBe(true);
    } finally {
      await api.stop();
    }
  });

  it("event() sends an App Event that runs the user's workflow (the app's API receives the user's apiKey and the payload); workflow() resolves with the Response step", async () => {
    const api = new LocalApi();
    await api.start();
    try {
      const workflow = await portico.admin('POST', '/workflows', {
        name: 'Deal won -> app', integration: 'salesforce', trigger: { type: 'event', event: 'Deal Won' },
        steps: [{ id: 'notify', type: 'http', method: 'POST', url: `${api.url}/app/deals`, headers: { authorization: 'Bearer {{user.meta.apiKey}}' }, body: { user: '{{user.id}}', deal: '{{event.deal}}', amount: '{{event.amount}}' } }],
      });
      expect(workflow.statusCode, workflow.body).toBe(201);
      const answering = await portico.admin('POST', '/workflows', {
        name: 'Quote', integration: 'salesforce', trigger: { type: 'request' },
        steps: [{ id: 'reply', type: 'response', status: 200, body: { quote: '{{request.body.amount}}', user: '{{user.id}}', q: '{{request.query.currency}}' } }],
      });
      expect(answering.statusCode, answering.body).toBe(201);
      api.tokens.add('app-key-of-nina');
      await importCredential('nina');
      await authenticate('nina', { apiKey: 'app-key-of-nina' });
      await inPage((id) => window.paragon.enableWorkflow(id), workflow.json().id as string);

      await inPage(() => window.paragon.event('Deal Won', { deal: { id: 'd-7', name: 'Big one' }, amount: 1200 }), undefined);
      const deadline = Date.now() + 15_000;
      while (!api.seen.some((r) => r.url === '/app/deals') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const delivered = api.seen.find((r) => r.url === '/app/deals');
      expect(delivered, diagnostics()).toBeDefined();
      expect(delivered!.headers.authorization).toBe('Bearer app-key-of-nina');
      expect(JSON.parse(delivered!.body)).toEqual({ user: 'nina', deal: { id: 'd-7', name: 'Big one' }, amount: 1200 });

      // workflow() runs a Request-triggered workflow and resolves with its Response step's body.
      await inPage((id) => window.paragon.enableWorkflow(id), answering.json().id as string);
      const answer = await inPage((id) => window.paragon.workflow(id, { body: { amount: 99 }, query: { currency: 'EUR' } }), answering.json().id as string);
      expect(answer, diagnostics()).toEqual({ quote: 99, user: 'nina', q: 'EUR' });
    } finally {
      await api.stop();
    }
  });

  it('authenticate rejects an expired token and a token Portico does not trust, leaving the user logged out', async () => {
    const expired = await authenticateError(await portico.token('late', { ttlSeconds: -60 }));
    expect(expired, diagnostics()).toMatch(/expired/);
    expect(await getUser()).toEqual({ authenticated: false });

    // Signed with another project's key: the SDK accepts it locally, Portico answers 401, and the SDK
    // puts the JSON error body into its message.
    const other = await portico.createProject();
    const foreign = await authenticateError(await portico.token('mallory', { project: other, aud: null }));
    expect(foreign, diagnostics()).toMatch(/^Failed to authenticate user with Paragon: .*TOKEN_SIGNATURE_INVALID/);
    expect(log.some((line) => line.startsWith('HTTP 401 GET') && line.includes('/sdk/me')), diagnostics()).toBe(true);
    expect(await getUser()).toEqual({ authenticated: false });
    expect((await portico.admin('GET', '/users/mallory')).statusCode).toBe(404);
  });
});
