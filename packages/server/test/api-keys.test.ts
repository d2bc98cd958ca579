import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../src/platform/crypto/signing-keys.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('Admin API: API keys and plans (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind, { plan: 'pro' });
  });
  afterAll(() => portico.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const pid = () => portico.project.projectId;
  const as = (key: string, method: 'GET' | 'POST' | 'PATCH' = 'GET', path = '/integrations', body?: object) =>
    portico.app.inject({ method, url: `/api/v1/projects/${pid()}${path}`, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });
  const idOf = async (key: string) => (await portico.store.db.selectFrom('api_keys').select('id').where('key_hash', '=', hashApiKey(key)).executeTakeFirstOrThrow()).id;
  const rotate = async (key: string, body?: object) => {
    const response = await as(key, 'POST', '/api-keys/rotate', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; apiKey: string; scopes: string[]; previousKeys: Array<{ id: string; state: string; expiresAt: string }> };
  };

  it('makes the key of `portico project create` the admin key', async () => {
    const row = await portico.store.db.selectFrom('api_keys').selectAll().where('project_id', '=', pid()).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'admin', scopes: 'admin', revoked_at: null, expires_at: null, key_hash: hashApiKey(portico.project.apiKey) });
  });

  it('changes the plan, and the features follow at once', async () => {
    const me = async () => (await portico.connect('plan-user', 'GET', '/sdk/me')).json();
    expect((await me()).project.billingPlan).toBe('pro');
    const patched = await portico.admin('PATCH', '', { plan: 'basic' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ id: pid(), plan: 'basic' });
    expect((await me()).project.billingPlan).toBe('basic');
    expect((await portico.connect('plan-user', 'PATCH', '/sdk/me', { meta: { a: 1 } })).json().code).toBe('FEATURE_NOT_IN_PLAN');
    expect((await portico.admin('PATCH', '', { plan: 'enterprise' })).json().plan).toBe('enterprise');
    expect((await me()).project.billingPlan).toBe('connect_enterprise');
    const refused = await portico.admin('PATCH', '', { plan: 'gold' });
    expect(refused.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('rotates the admin key: the new one is shown once and stored hashed, the old one works for an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const old = portico.project.apiKey;
    expect((await as(old)).statusCode).toBe(200);
    const rotated = await rotate(old);
    expect(rotated.apiKey).toMatch(/^prt_/);
    expect(rotated.scopes).toEqual(['admin']);
    expect(rotated.previousKeys).toEqual([{ id: expect.any(String), state: 'grace', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }]);
    const stored = await portico.store.db.selectFrom('api_keys').select(['key_hash', 'key_prefix']).where('id', '=', rotated.id).executeTakeFirstOrThrow();
    expect(stored.key_hash).toBe(hashApiKey(rotated.apiKey));
    expect(JSON.stringify(await portico.store.db.selectFrom('api_keys').selectAll().execute())).not.toContain(rotated.apiKey);

    expect((await as(rotated.apiKey)).statusCode).toBe(200);
    expect((await as(old)).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 3_599_000);
    expect((await as(old)).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await as(old)).json().code).toBe('API_KEY_INVALID');
    expect((await as(rotated.apiKey)).statusCode).toBe(200);
    portico.project.apiKey = rotated.apiKey;
  });

  it('revokes the old key at once with revokeOld, although this node had it cached', async () => {
    const old = portico.project.apiKey;
    expect((await as(old)).statusCode).toBe(200);
    const rotated = await rotate(old, { revokeOld: true });
    expect(rotated.previousKeys.map((k) => k.id)).toContain(await idOf(old));
    expect(rotated.previousKeys.every((k) => k.state === 'revoked')).toBe(true);
    const refused = await as(old);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('API_KEY_INVALID');
    expect((await as(rotated.apiKey, 'POST', '/api-keys/rotate')).statusCode).toBe(201);
    portico.project.apiKey = (await rotate(rotated.apiKey, { revokeOld: true })).apiKey;
    expect((await as(rotated.apiKey)).statusCode).toBe(401);
  });

  it("refuses a key without the route's scope, naming it", async () => {
    const key = 'prt_read-only-key-for-the-scope-test-0123456789';
    const now = new Date().toISOString();
    await portico.store.db.insertInto('api_keys').values({
      id: '7a1b2c3d-0000-4000-8000-000000000001', project_id: pid(), name: 'reader', key_hash: hashApiKey(key), key_prefix: key.slice(0, 10),
      scopes: 'read', created_at: now, revoked_at: null, expires_at: null,
    }).execute();
    const refused = await as(key);
    expect(refused.json()).toMatchObject({ status: 403, code: 'API_KEY_SCOPE_MISSING', meta: { required: 'integrations:write' } });
    const rotated = await rotate(portico.project.apiKey, { revokeOld: true });
    portico.project.apiKey = rotated.apiKey;
    expect(rotated.previousKeys).toHaveLength(1);
    expect((await as(key)).json().code).toBe('API_KEY_SCOPE_MISSING');
  });
});
