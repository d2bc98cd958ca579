import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff } from '../src/domain/staff/index.ts';
import { seedSalesforce, startPortico, type Portico } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';

/**
 * The dashboard's support actions in real Chromium, on the Admin API routes they call: enable a
 * workflow for a user, disconnect their integration, set the secret metadata keys, erase the user.
 */
const CHROMIUM = requireChromium('The dashboard support-actions browser suite');
const ADMIN = { email: 'sue@support.test', password: 'support staple battery' };

describe.skipIf(!CHROMIUM)('dashboard support actions in Chromium (sqlite)', () => {
  let portico: Portico;
  let base: string;
  let browser: Browser;
  let pid: string;
  let seeded: Awaited<ReturnType<typeof seedSalesforce>>;

  beforeAll(async () => {
    portico = await startPortico('sqlite');
    base = await portico.app.listen({ port: 0, host: '127.0.0.1' });
    pid = portico.project.projectId;
    await addStaff(portico.store.db, { email: ADMIN.email, role: 'admin', password: ADMIN.password });
    browser = await launchChromium(CHROMIUM!);
    seeded = await seedSalesforce(portico, 'jane-7');
    await portico.connect('jane-7', 'PATCH', '/sdk/me', { meta: { Name: 'Jane Doe', Email: 'jane@bookface.com' } });
  });

  afterAll(async () => {
    await browser?.close();
    await portico?.close();
  });

  async function signedIn(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toBe(`${base}${path}`);
    return page;
  }

  it('enables a workflow for the user, then disconnects their integration', async () => {
    const page = await signedIn(`/dashboard/projects/${pid}/users/jane-7`);
    const toggle = page.getByRole('switch', { name: 'Create deals' });
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await expect.poll(() => page.getByRole('switch', { name: 'Create deals' }).getAttribute('aria-checked')).toBe('true');
    const me = (await portico.connect('jane-7', 'GET', '/sdk/me')).json();
    expect(me.integrations.salesforce.workflowSettings[seeded.offByDefault.id]).toMatchObject({ enabled: true });

    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Disconnect salesforce' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'salesforce' }).count()).toBe(0);
    expect((await portico.connect('jane-7', 'GET', '/sdk/me')).json().integrations.salesforce.allCredentials).toEqual([]);
    await expect.poll(async () => page.getByRole('region', { name: 'Audit timeline' }).innerText()).toContain('integration.uninstalled');
    await page.context().close();
  });

  it('sets the secret metadata keys: the value is then "[secret]" to the SDK', async () => {
    await portico.connect('jane-7', 'PATCH', '/sdk/me', { meta: { apiKey: 'jane-SECRET-api-key' } });
    const page = await signedIn(`/dashboard/projects/${pid}/settings`);
    await page.getByRole('textbox', { name: 'Secret metadata keys' }).fill('apiKey');
    await page.getByRole('button', { name: 'Save secret keys' }).click();
    await expect.poll(() => page.getByText('Secret metadata keys saved.').count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Secret metadata keys' }).inputValue()).toBe('apiKey');
    expect((await portico.connect('jane-7', 'GET', '/sdk/me')).json().meta.apiKey).toBe('[secret]');
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Secret metadata keys' }).inputValue()).toBe('apiKey');
    await page.context().close();
  });

  it('erases the user after the id is typed, and shows the receipt', async () => {
    const page = await signedIn(`/dashboard/projects/${pid}/users/jane-7`);
    await page.getByRole('button', { name: 'Erase user' }).click();
    const erase = page.getByRole('button', { name: 'Erase', exact: true });
    expect(await erase.isDisabled()).toBe(true);
    await page.getByLabel(/Type the user id/).fill('jane-7');
    await erase.click();
    await expect.poll(() => page.getByRole('heading', { name: 'User erased' }).count()).toBe(1);
    expect(await page.locator('pre').innerText()).toContain('"auditEvents"');
    expect((await portico.admin('GET', '/users/jane-7')).statusCode).toBe(404);
    const receipt = await portico.admin('GET', '/erasures/jane-7');
    expect(receipt.statusCode).toBe(200);
    const [event] = (await portico.admin('GET', '/events?type=user.erased')).json().data;
    expect(event).toMatchObject({ userId: 'jane-7', actor: { kind: 'staff', name: ADMIN.email } });
    await page.context().close();
  });
});
