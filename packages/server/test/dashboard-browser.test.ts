import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSalesforce, startPortico, type Portico } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';

/**
 * The dashboard as support staff use it: real Chromium against a listening Portico on SQLite, staff
 * accounts made with the `portico staff` CLI on the same database.
 */

const CHROMIUM = requireChromium('The dashboard browser suite');
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const run = promisify(execFile);
const ADMIN = { email: 'ada@support.test', password: 'correct horse battery' };
const VIEWER = { email: 'vic@support.test', password: 'viewer staple battery' };

/** `portico staff add` with the password on stdin, as an operator would pipe it. */
function staffAdd(dataDir: string, email: string, role: string, password: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'staff', 'add', email, '--role', role, '--data', dataDir], { env: { ...process.env, DATABASE_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${password}\n`);
  });
}

describe.skipIf(!CHROMIUM)('dashboard in Chromium (sqlite)', () => {
  let portico: Portico;
  let base: string;
  let browser: Browser;
  let pid: string;

  beforeAll(async () => {
    portico = await startPortico('sqlite');
    base = await portico.app.listen({ port: 0, host: '127.0.0.1' });
    pid = portico.project.projectId;
    browser = await launchChromium(CHROMIUM!);
    await seedSalesforce(portico, 'john-42');
    await portico.connect('john-42', 'PATCH', '/sdk/me', { meta: { Name: 'John Smith', Email: 'John@BookFace.com', Plan: 'pro' } });
    for (let i = 0; i < 3; i += 1) await portico.connect(`other-${i}`, 'PATCH', '/sdk/me', { meta: { Name: `Other ${i}`, Email: `other${i}@example.com` } });
  });

  afterAll(async () => {
    await browser?.close();
    await portico?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    return context.newPage();
  }

  async function signIn(page: Page, who: { email: string; password: string }, start = `${base}/dashboard`): Promise<void> {
    await page.goto(start);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** A change sent from the signed-in page with fetch, with or without the session's CSRF token. */
  function patchFromPage(page: Page, userId: string, body: unknown, withCsrf: boolean) {
    return page.evaluate(async ({ url, body, withCsrf }) => {
      const session = await (await fetch('/dashboard/api/session')).json();
      const response = await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json', ...(withCsrf ? { 'x-csrf-token': session.csrfToken } : {}) }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    }, { url: `/api/v1/projects/${pid}/users/${userId}`, body, withCsrf });
  }

  it('portico staff add reads the password from stdin; list shows roles, never hashes', async () => {
    const dataDir = portico.database.dataDir;
    expect((await staffAdd(dataDir, ADMIN.email, 'admin', ADMIN.password)).code).toBe(0);
    expect((await staffAdd(dataDir, VIEWER.email, 'viewer', VIEWER.password)).code).toBe(0);
    const again = await staffAdd(dataDir, ADMIN.email, 'admin', ADMIN.password);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already a staff member');
    const short = await staffAdd(dataDir, 'x@support.test', 'admin', 'short');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const { stdout } = await run(process.execPath, [BIN, 'staff', 'list', '--json', '--data', dataDir], { env: { ...process.env, DATABASE_URL: '' } });
    const listed = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(listed.map((m) => [m.email, m.role])).toEqual([[ADMIN.email, 'admin'], [VIEWER.email, 'viewer']]);
    expect(stdout).not.toContain('scrypt');
    const stored = await portico.store.db.selectFrom('staff_accounts').select('password_hash').execute();
    for (const row of stored) expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(stored)).not.toContain(ADMIN.password);
  });

  it('an admin signs in, finds John by email as they type, opens him, disables him; the Connect API then answers 403 USER_DISABLED', async () => {
    const page = await newPage();
    await signIn(page, ADMIN, `${base}/dashboard/projects/${pid}/users`);
    await expect.poll(() => page.url()).toBe(`${base}/dashboard/projects/${pid}/users`);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'portico_staff');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    for (const column of ['Name', 'Email', 'User ID', 'Status', 'Integrations', 'Created', 'Last active']) await expect.poll(() => page.getByRole('columnheader', { name: column, exact: true }).count()).toBe(1);
    await page.getByRole('searchbox').fill('john@bookface');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    const row = page.locator('tbody tr').first();
    expect(await row.innerText()).toContain('John Smith');
    expect(await row.innerText()).toContain('Connected');
    expect(await row.innerText()).toContain('salesforce');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.getByRole('searchbox').fill('');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(4);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-users.png') });
    await page.getByRole('searchbox').fill('John');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);

    await page.getByRole('link', { name: 'john-42' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toContain('John Smith');
    const card = page.getByRole('region', { name: 'salesforce' });
    expect(await card.innerText()).toContain('VALID');
    expect(await card.innerText()).toContain('00502000000abc');
    await expect.poll(() => page.getByRole('switch', { name: 'Sync contacts' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-user.png'), fullPage: true });

    await page.getByRole('button', { name: 'Disable user' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Enable user' }).count()).toBe(1);
    const refused = await portico.connect('john-42', 'GET', '/sdk/me');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('USER_DISABLED');
    await expect.poll(async () => (await page.getByRole('region', { name: 'Audit timeline' }).innerText())).toContain('user.disabled');
    expect(await page.getByRole('region', { name: 'Audit timeline' }).innerText()).toContain(`staff ${ADMIN.email}`);

    await page.getByRole('button', { name: 'Enable user' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Disable user' }).count()).toBe(1);
    expect((await portico.connect('john-42', 'GET', '/sdk/me')).statusCode).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.url()).toBe(`${base}/dashboard/login`);
    await page.goto(`${base}/dashboard/projects/${pid}/users`);
    expect(page.url()).toContain('/dashboard/login');
    const after = await page.evaluate(async (url) => (await fetch(url)).status, `/api/v1/projects/${pid}/users`);
    expect(after).toBe(401);
    await page.context().close();
  });

  it('refuses a change without the session\'s CSRF token, and a viewer\'s change even with it', async () => {
    const admin = await newPage();
    await signIn(admin, ADMIN);
    await expect.poll(() => admin.getByRole('link', { name: 'Test' }).count()).toBe(1);
    const noToken = await patchFromPage(admin, 'john-42', { active: false }, false);
    expect(noToken).toMatchObject({ status: 403, body: { code: 'CSRF_TOKEN_INVALID' } });
    expect((await portico.connect('john-42', 'GET', '/sdk/me')).statusCode).toBe(200);
    await admin.context().close();

    const viewer = await newPage();
    await signIn(viewer, VIEWER, `${base}/dashboard/projects/${pid}/users/john-42`);
    await expect.poll(() => viewer.getByRole('heading', { level: 1 }).innerText()).toContain('John Smith');
    expect(await viewer.getByRole('button', { name: 'Disable user' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Erase user' }).count()).toBe(0);
    const refused = await patchFromPage(viewer, 'john-42', { active: false }, true);
    expect(refused).toMatchObject({ status: 403, body: { code: 'STAFF_READ_ONLY' } });
    expect((await portico.connect('john-42', 'GET', '/sdk/me')).statusCode).toBe(200);
    const reads = await viewer.evaluate(async (url) => (await fetch(url)).status, `/api/v1/projects/${pid}/users?email=john@bookface.com`);
    expect(reads).toBe(200);
    await viewer.context().close();
  });

  it('settings: a new signing key and a scoped API key are shown once and work; integrations show the redirect URI to register', async () => {
    const page = await newPage();
    await signIn(page, ADMIN, `${base}/dashboard/projects/${pid}/settings`);
    await expect.poll(() => page.getByRole('heading', { name: 'Project settings' }).count()).toBe(1);
    const integrations = page.getByRole('region', { name: 'Salesforce' });
    await expect.poll(() => integrations.count()).toBe(1);
    expect(await integrations.innerText()).toContain(`${portico.ctx.config.publicUrl}/oauth`);

    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Generate a new signing key' }).click();
    await expect.poll(() => page.locator('pre').filter({ hasText: /BEGIN (RSA )?PRIVATE KEY/ }).count()).toBe(1);
    const pem = await page.locator('pre').filter({ hasText: /BEGIN (RSA )?PRIVATE KEY/ }).innerText();
    const signed = await portico.token('john-42', { project: { ...portico.project, privateKeyPem: `${pem.trim()}\n` } });
    expect((await portico.app.inject({ method: 'GET', url: `/projects/${pid}/sdk/me`, headers: { authorization: `Bearer ${signed}` } })).statusCode, 'the new key signs tokens Portico accepts').toBe(200);

    await page.getByLabel('Key name').fill('support backend');
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    await expect.poll(() => page.locator('pre').filter({ hasText: /^prt_/ }).count()).toBe(1);
    const key = (await page.locator('pre').filter({ hasText: /^prt_/ }).innerText()).trim();
    const read = await portico.app.inject({ method: 'GET', url: `/api/v1/projects/${pid}/users?email=john@bookface.com`, headers: { authorization: `Bearer ${key}` } });
    expect(read.statusCode).toBe(200);
    expect(read.json().data[0].userId).toBe('john-42');
    const write = await portico.app.inject({ method: 'PATCH', url: `/api/v1/projects/${pid}/users/john-42`, headers: { authorization: `Bearer ${key}` }, payload: { active: false } });
    expect(write.json().code).toBe('API_KEY_SCOPE_MISSING');
    expect(await page.getByRole('cell', { name: 'support backend', exact: true }).count()).toBe(1);

    await page.getByRole('link', { name: 'Task history' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Task history' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('status').first().innerText()).not.toBe('Loading…');
    await page.context().close();
  });

  it('locks an account for 15 minutes after five wrong passwords, even against the right one', async () => {
    const dataDir = portico.database.dataDir;
    const victim = { email: 'lou@support.test', password: 'lou password 123' };
    expect((await staffAdd(dataDir, victim.email, 'admin', victim.password)).code).toBe(0);
    const page = await newPage();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await signIn(page, { email: victim.email, password: `wrong ${attempt}` }, `${base}/dashboard/login`);
      await expect.poll(() => page.getByRole('alert').innerText()).toContain(attempt < 5 ? 'Wrong email or password' : 'locked');
    }
    await signIn(page, victim, `${base}/dashboard/login`);
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('locked');
    expect(page.url()).toContain('/dashboard/login');
    expect((await page.context().cookies()).some((c) => c.name === 'portico_staff')).toBe(false);
    const { stdout } = await run(process.execPath, [BIN, 'staff', 'list', '--data', dataDir], { env: { ...process.env, DATABASE_URL: '' } });
    expect(stdout).toMatch(/lou@support\.test.*locked until/);
    await page.context().close();
  });
});

/** Where the screenshots for docs/ land (copied into docs/screenshots by hand when the UI changes). */
const SHOTS = path.resolve(import.meta.dirname, '../../../.screenshots');
