import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/platform/crypto/signing-keys.ts';
import { STORES, startPortico, type Portico } from './harness.ts';
import { fillPath, routeCatalog } from './support/route-catalog.ts';

const SCOPES = ['users:read', 'users:write', 'users:erase', 'workflows:read', 'workflows:write', 'integrations:write', 'webhooks:write', 'task-history:read', 'admin'];

describe.each(STORES)('scoped API keys (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { plan: 'pro' });
  });
  afterAll(() => portico.close());

  const pid = () => portico.project.projectId;
  const as = (key: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: object) =>
    portico.app.inject({ method, url: path.startsWith('/projects/') ? path : `/api/v1/projects/${pid()}${path}`, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });
  const create = async (name: string, scopes: string[]) => {
    const response = await portico.admin('POST', '/api-keys', { name, scopes });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; key: string; name: string; scopes: string[]; keyPrefix: string };
  };

  it('creates a key with scopes, shows it once, stores only its hash, and lists it with its last use', async () => {
    const created = await create('support backend', ['users:read', 'task-history:read']);
    expect(created.key).toMatch(/^prt_/);
    expect(created.scopes).toEqual(['users:read', 'task-history:read']);
    const rows = await portico.store.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(rows[0]!.key_hash).toBe(hashApiKey(created.key));

    await portico.connect('ada', 'PATCH', '/sdk/me', { meta: { Email: 'ada@example.com' } });
    expect((await as(created.key, 'GET', '/users/ada')).statusCode).toBe(200);
    const listed = (await portico.admin('GET', '/api-keys')).json().data as Array<Record<string, unknown>>;
    const entry = listed.find((key) => key.id === created.id)!;
    expect(entry).toMatchObject({ name: 'support backend', scopes: ['users:read', 'task-history:read'], keyPrefix: created.keyPrefix });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await expect.poll(async () => ((await portico.admin('GET', '/api-keys')).json().data as Array<{ id: string; dateLastUsed: string | null }>).find((key) => key.id === created.id)?.dateLastUsed).not.toBeNull();
  });

  it('refuses unknown scopes with the allowed values, and an empty list', async () => {
    const bad = await portico.admin('POST', '/api-keys', { name: 'x', scopes: ['users:delete'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('users:erase');
    expect((await portico.admin('POST', '/api-keys', { name: 'x', scopes: [] })).statusCode).toBe(400);
  });

  it('answers 403 API_KEY_SCOPE_MISSING naming the scope on every Admin route a key lacks it for, and lets an admin key through', async () => {
    const routes = (await routeCatalog(portico.app)).filter((route) => route.auth === 'admin');
    const doc = (await portico.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-required-scope'?: string; security?: Array<{ apiKey?: string[] }> }>>;
    };
    const keys = new Map<string, string>();
    for (const scope of SCOPES.filter((s) => s !== 'admin')) keys.set(scope, (await create(`only ${scope}`, [scope])).key);
    let checked = 0;
    for (const route of routes) {
      const operation = doc.paths[route.path]![route.method.toLowerCase()]!;
      const required = operation['x-required-scope'];
      expect(SCOPES, `${route.method} ${route.path} declares a known scope`).toContain(required);
      expect(operation.security).toEqual([{ apiKey: [required] }]);
      // Admin routes relative to /api/v1/projects/{pid}; Task History's by its own absolute path.
      const url = fillPath(route.path, { projectId: pid() }).replace(`/api/v1/projects/${pid()}`, '');
      // A key with any other single scope is refused before the route runs, whatever the body.
      const other = [...keys].find(([scope]) => scope !== required)!;
      const refused = await as(other[1], route.method, url, route.bodyProps.length > 0 ? {} : undefined);
      expect(refused.statusCode, `${route.method} ${route.path}`).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'API_KEY_SCOPE_MISSING', meta: { required } });
      if (required !== 'admin') {
        const allowed = await as(keys.get(required!)!, route.method, url, route.bodyProps.length > 0 ? {} : undefined);
        expect(allowed.json().code, `${route.method} ${route.path} with ${required}`).not.toBe('API_KEY_SCOPE_MISSING');
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('revokes a key at once and refuses to delete the last admin key', async () => {
    const created = await create('temporary', ['users:read']);
    expect((await as(created.key, 'GET', '/api-keys')).json().code).toBe('API_KEY_SCOPE_MISSING');
    expect((await portico.admin('DELETE', `/api-keys/${created.id}`)).statusCode).toBe(204);
    expect((await as(created.key, 'GET', '/users/ada')).json().code).toBe('API_KEY_INVALID');
    expect((await portico.admin('DELETE', `/api-keys/${created.id}`)).json().code).toBe('API_KEY_NOT_FOUND');

    const admins = ((await portico.admin('GET', '/api-keys')).json().data as Array<{ id: string; scopes: string[] }>).filter((key) => key.scopes.includes('admin'));
    expect(admins).toHaveLength(1);
    const last = await portico.admin('DELETE', `/api-keys/${admins[0]!.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('LAST_ADMIN_API_KEY');
    const second = await create('second admin', ['admin']);
    expect((await as(second.key, 'DELETE', `/api-keys/${admins[0]!.id}`)).statusCode).toBe(204);
    portico.project.apiKey = second.key;
    expect((await portico.admin('GET', '/api-keys')).statusCode).toBe(200);
  });
});
