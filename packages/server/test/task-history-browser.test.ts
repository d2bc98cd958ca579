import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff } from '../src/domain/staff/index.ts';
import { seedSalesforce, startPortico, type Portico } from './harness.ts';
import { launchChromium, requireChromium } from './support/chromium.ts';

/** The dashboard's task history as support staff use it: real Chromium, a viewer account, executions recorded for a user. */

const CHROMIUM = requireChromium('The task history browser suite');
const VIEWER = { email: 'vic@support.test', password: 'viewer staple battery' };
const ADMIN = { email: 'ada@support.test', password: 'correct horse battery' };

describe.skipIf(!CHROMIUM)('task history in the dashboard (sqlite)', () => {
  let portico: Portico;
  let base: string;
  let browser: Browser;
  let pid: string;
  const failedRun = randomUUID();

  beforeAll(async () => {
    portico = await startPortico('sqlite');
    base = await portico.app.listen({ port: 0, host: '127.0.0.1' });
    pid = portico.project.projectId;
    browser = await launchChromium(CHROMIUM!);
    await addStaff(portico.store.db, { ...VIEWER, role: 'viewer' });
    await addStaff(portico.store.db, { ...ADMIN, role: 'admin' });
    const seeded = await seedSalesforce(portico, 'john-42');
    await portico.connect('john-42', 'PATCH', '/sdk/me', { meta: { Name: 'John Smith', Email: 'John@BookFace.com' } });
    await portico.connect('mary-7', 'PATCH', '/sdk/me', { meta: { Email: 'mary@example.com' } });
    const userIds = new Map((await portico.store.db.selectFrom('connected_users').select(['id', 'external_id']).execute()).map((u) => [u.external_id, u.id]));
    const run = (id: string, sub: string, status: 'SUCCEEDED' | 'FAILED', at: string) => ({
      id, project_id: pid, workflow_id: seeded.onByDefault.id, user_id: userIds.get(sub)!, end_user_id: sub, integration_id: seeded.integration.id,
      credential_id: null, config_id: null, trigger_type: 'event', status, trigger_input: JSON.stringify({ event: { contact: 'c-1' } }),
      response: null, error: status === 'FAILED' ? 'Step notify: HTTP 500' : null, error_code: null, dedupe_key: null, replay_of: null,
      task_count: 1, created_at: at, started_at: at, ended_at: new Date(Date.parse(at) + 1500).toISOString(), updated_at: at,
    });
    await portico.store.db.insertInto('workflow_executions').values([
      run(failedRun, 'john-42', 'FAILED', '2026-11-02T10:00:00.000Z'),
      run(randomUUID(), 'mary-7', 'SUCCEEDED', '2026-11-02T09:00:00.000Z'),
    ]).execute();
    await portico.store.db.insertInto('workflow_step_executions').values({
      id: randomUUID(), execution_id: failedRun, seq: 1, step_id: 'notify', type: 'http', status: 'FAILED',
      input: JSON.stringify({ url: 'https://app.example.com/hooks/crm', body: { email: 'john@bookface.com' } }), output: JSON.stringify({ status: 500 }),
      input_size: 80, output_size: 13, is_large_input: 0, is_large_output: 0, attempts: 3, error: 'HTTP 500 from https://app.example.com',
      started_at: '2026-11-02T10:00:00.200Z', ended_at: '2026-11-02T10:00:01.200Z',
    }).execute();
  });

  afterAll(async () => {
    await browser?.close();
    await portico?.close();
  });

  async function signedIn(start: string, who = VIEWER): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    const page = await context.newPage();
    await page.goto(start);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toBe(start);
    return page;
  }

  it('a viewer finds a user\'s failed run by email and opens its steps, with the step\'s input and output', async () => {
    const page = await signedIn(`${base}/dashboard/projects/${pid}/executions`);
    await expect.poll(() => page.locator('tbody tr:not([hidden])').count()).toBe(2);
    await page.getByLabel('Email').fill('JOHN@bookface.com');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr:not([hidden])').count()).toBe(1);
    const row = page.locator('tbody tr').first();
    expect(await row.innerText()).toContain('FAILED');
    expect(await row.innerText()).toContain('Sync contacts');
    expect(await row.innerText()).toContain('john-42');
    expect(await row.innerText()).toContain('1.5 s');

    await page.getByRole('button', { name: 'Steps' }).click();
    const steps = page.locator('ol.steps');
    await expect.poll(async () => (await steps.count()) > 0 && steps.innerText()).toContain('notify');
    const text = await steps.innerText();
    expect(text).toContain('TRIGGER/APP_EVENT');
    expect(text).toContain('ACTION/REQUEST');
    expect(text).toContain('HTTP 500 from https://app.example.com');
    await steps.locator('li').nth(1).getByText('Input and output').click();
    await expect.poll(() => steps.locator('li').nth(1).innerText()).toContain('https://app.example.com/hooks/crm');
    expect(await steps.locator('li').nth(1).innerText()).toContain('"status": 500');
    // Viewers read; only admins replay.
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
  });

  it('an admin replays a failed run: a new queued execution of it', async () => {
    const page = await signedIn(`${base}/dashboard/projects/${pid}/executions`, ADMIN);
    await page.getByLabel('Status').selectOption('FAILED');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr:not([hidden])').count()).toBe(1);
    await page.getByRole('button', { name: 'Steps' }).click();
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByText('Replay queued').count()).toBe(1);
    const replays = await portico.store.db.selectFrom('workflow_executions').select(['id', 'status', 'end_user_id']).where('replay_of', '=', failedRun).execute();
    expect(replays).toEqual([{ id: expect.any(String), status: 'QUEUED', end_user_id: 'john-42' }]);
    expect(await page.getByText(`Replay queued (${replays[0]!.id})`).count()).toBe(1);
  });

  it("shows the user's executions on their page", async () => {
    const page = await signedIn(`${base}/dashboard/projects/${pid}/users/john-42`);
    const section = page.getByRole('region', { name: 'Executions' });
    await expect.poll(() => section.innerText()).toContain('Sync contacts');
    expect(await section.innerText()).toContain('FAILED');
    expect(await section.innerText()).not.toContain('mary-7');
  });
});
