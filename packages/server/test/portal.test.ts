import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalFrameAncestors } from '../src/api/portal/index.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

/** The Connect Portal's page and files, its per-integration texts, and the workflows it may list. */
describe.each(STORES)('the Connect Portal server side (%s)', (kind) => {
  let portico: Portico;

  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' } });
  });
  afterAll(async () => {
    await portico?.close();
  });

  it('serves /connect/ui and its files from the server, framable only by the configured app origins, under 150 KB gzipped', async () => {
    const page = await portico.app.inject({ method: 'GET', url: `/connect/ui?projectId=${portico.project.projectId}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain('frame-ancestors https://app.example.com https://admin.example.com');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBeUndefined();
    const files = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    let total = gzipSync(page.rawPayload).length;
    const seen = new Set<string>();
    const queue = [...files];
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      expect(url.startsWith('/connect/ui/assets/'), url).toBe(true);
      const asset = await portico.app.inject({ method: 'GET', url });
      expect(asset.statusCode, url).toBe(200);
      total += gzipSync(asset.rawPayload).length;
      // ES module imports of this file, resolved against the assets folder.
      for (const m of asset.body.matchAll(/from '\.\/([\w-]+\.js)'/g)) queue.push(`/connect/ui/assets/${m[1]}`);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(total).toBeLessThan(150 * 1024);

    // The same page for an SDK whose CONNECT_PUBLIC_URL is Portico's bare URL.
    const alias = await portico.app.inject({ method: 'GET', url: '/ui?projectId=x' });
    expect(alias.statusCode).toBe(200);
    expect(alias.body).toBe(page.body);

    const missing = await portico.app.inject({ method: 'GET', url: '/connect/ui/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('ROUTE_NOT_FOUND');
    const traversal = await portico.app.inject({ method: 'GET', url: '/connect/ui/assets/..%2F..%2Fpackage.json' });
    expect(traversal.statusCode).toBe(404);
  });

  it('frame-ancestors: `*` allows any page, and only plain origins are copied into the header', () => {
    expect(portalFrameAncestors(['*'])).toBe('*');
    expect(portalFrameAncestors(['https://a.test', 'https://b.test;script-src *'])).toBe('https://a.test');
    expect(portalFrameAncestors([])).toBe("'none'");
  });

  it('PATCH /integrations/{id} sets the portal accent colour, title, description and user settings; null removes one; mistakes are 400s', async () => {
    const created = (await portico.admin('POST', '/integrations', { type: 'hubspot', clientId: 'hub', clientSecret: 'hub-secret' })).json();
    const patched = await portico.admin('PATCH', `/integrations/${created.id}`, {
      portal: { accentColor: '#112233', title: 'Connect HubSpot', description: 'Sync deals.', userSettings: [{ id: 'pipeline', title: 'Pipeline', type: 'select', options: ['Sales', 'Support'], required: true }] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().portalConfig).toMatchObject({ accentColor: '#112233', title: 'Connect HubSpot', description: 'Sync deals.' });

    const values = async () => ((await portico.connect('pat', 'GET', '/sdk/integrations')).json() as Array<{ id: string; configs: Array<{ values: Record<string, unknown> }> }>)
      .find((i) => i.id === created.id)!.configs[0]!.values;
    expect(await values()).toMatchObject({
      accentColor: '#112233', title: 'Connect HubSpot', description: 'Sync deals.',
      sharedMeta: { inputs: [{ id: 'pipeline', title: 'Pipeline', type: 'select', options: ['Sales', 'Support'], required: true }] },
    });
    expect(await values()).not.toHaveProperty('userSettings');

    expect((await portico.admin('PATCH', `/integrations/${created.id}`, { portal: { title: null, accentColor: null } })).statusCode).toBe(200);
    const after = await values();
    expect(after).not.toHaveProperty('title');
    expect(after.accentColor).toBe('#FF7A59');
    expect(after.description).toBe('Sync deals.');

    const atCreation = await portico.admin('POST', '/integrations', { type: 'slack', clientId: 'sl', clientSecret: 'sl-secret', portal: { title: 'Slack alerts', accentColor: '#336699' } });
    expect(atCreation.statusCode, atCreation.body).toBe(201);
    expect(atCreation.json().portalConfig).toEqual({ title: 'Slack alerts', accentColor: '#336699' });

    const badColour = await portico.admin('PATCH', `/integrations/${created.id}`, { portal: { accentColor: 'red' } });
    expect(badColour.statusCode).toBe(400);
    expect(badColour.json().code).toBe('VALIDATION_FAILED');
    const noOptions = await portico.admin('PATCH', `/integrations/${created.id}`, { portal: { userSettings: [{ id: 'kinds', title: 'Kinds', type: 'multiselect' }] } });
    expect(noOptions.statusCode).toBe(400);
    expect(noOptions.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('give it "options"') });
    const badType = await portico.admin('PATCH', `/integrations/${created.id}`, { portal: { userSettings: [{ id: 'x', title: 'X', type: 'color' }] } });
    expect(badType.statusCode).toBe(400);
    const twice = await portico.admin('PATCH', `/integrations/${created.id}`, { portal: { userSettings: [{ id: 'x', title: 'X', type: 'text' }, { id: 'x', title: 'Y', type: 'number' }] } });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().message).toContain('"x" is used twice');
  });

  it('workflows carry their own user settings into workflowMeta inputs; mistakes in them are 400 WORKFLOW_INVALID', async () => {
    await portico.admin('POST', '/integrations', { type: 'custom', name: 'Notely', auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password' }] } });
    const settings = [{ id: 'folder', title: 'Folder', type: 'text', required: true }, { id: 'kind', title: 'Kind', type: 'select', options: ['A', 'B'] }];
    const created = await portico.admin('POST', '/workflows', { integration: 'custom.notely', name: 'Copy notes', userSettings: settings });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().userSettings).toEqual(settings);
    const meta = async () => ((await portico.connect('nora', 'GET', '/sdk/integrations')).json() as Array<{ customIntegration: { slug: string } | null; configs: Array<{ values: { workflowMeta: Record<string, { inputs: unknown[] }> } }> }>)
      .find((i) => i.customIntegration?.slug === 'custom.notely')!.configs[0]!.values.workflowMeta[created.json().id]!;
    expect((await meta()).inputs).toEqual(settings);

    const patched = await portico.admin('PATCH', `/workflows/${created.json().id}`, { name: 'Copy all notes' });
    expect(patched.json().userSettings).toEqual(settings);
    const noOptions = await portico.admin('PATCH', `/workflows/${created.json().id}`, { userSettings: [{ id: 'kind', title: 'Kind', type: 'multiselect' }] });
    expect(noOptions.statusCode).toBe(400);
    expect(noOptions.json()).toMatchObject({ code: 'WORKFLOW_INVALID', meta: { field: 'userSettings[0].options' } });
    const badType = await portico.admin('PATCH', `/workflows/${created.json().id}`, { userSettings: [{ id: 'x', title: 'X', type: 'colour' }] });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().code).toBe('WORKFLOW_INVALID');
    expect((await portico.admin('PATCH', `/workflows/${created.json().id}`, { userSettings: [] })).json().userSettings).toEqual([]);
    expect((await meta()).inputs).toEqual([]);
  });

  it('GET /sdk/integrations marks Integration Enabled workflows and those the user\'s permissions exclude as hidden', async () => {
    await portico.admin('POST', '/integrations', { type: 'custom', name: 'Tasklab', auth: { scheme: 'api_key', inputs: [{ id: 'apiKey', title: 'API key', type: 'password', required: true }] } });
    const make = async (body: Record<string, unknown>) => (await portico.admin('POST', '/workflows', { integration: 'custom.tasklab', ...body })).json().id as string;
    const plain = await make({ name: 'Plain' });
    const onEnable = await make({ name: 'On enable', trigger: { type: 'integration_enabled' } });
    const vipOnly = await make({ name: 'VIP only', permissions: [[{ key: 'tier', op: 'equals', value: 'vip' }]] });

    const view = async (sub: string) => ((await portico.connect(sub, 'GET', '/sdk/integrations')).json() as Array<{ type: string; customIntegration: { slug: string } | null; workflows: Array<{ id: string }>; noPermissionWorkflows: string[]; configs: Array<{ values: { workflowMeta: Record<string, { hidden?: boolean }> } }> }>)
      .find((i) => i.customIntegration?.slug === 'custom.tasklab')!;
    const regular = await view('regular');
    expect(regular.workflows.map((w) => w.id).sort()).toEqual([plain, onEnable].sort());
    expect(regular.noPermissionWorkflows).toEqual([vipOnly]);
    const meta = regular.configs[0]!.values.workflowMeta;
    expect(meta[plain]!.hidden).toBeUndefined();
    expect(meta[onEnable]!.hidden).toBe(true);
    expect(meta[vipOnly]!.hidden).toBe(true);

    expect((await portico.connect('vip', 'PATCH', '/sdk/me', { meta: { tier: 'vip' } })).statusCode).toBe(200);
    const vip = await view('vip');
    expect(vip.workflows.map((w) => w.id).sort()).toEqual([plain, onEnable, vipOnly].sort());
    expect(vip.noPermissionWorkflows).toEqual([]);
    expect(vip.configs[0]!.values.workflowMeta[vipOnly]!.hidden).toBeUndefined();
  });
});
