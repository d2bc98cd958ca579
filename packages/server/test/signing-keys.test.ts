import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, signToken, startPortico, type Portico } from './harness.ts';

const DAY_MS = 86_400_000;

describe.each(STORES)('Admin API: signing keys (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const me = (token: string) =>
    portico.app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${token}` } });
  const keysNow = async () => (await portico.admin('GET', '/signing-keys')).json().data as Array<Record<string, unknown>>;
  const rotate = async (body?: object) => {
    const response = await portico.admin('POST', '/signing-keys', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; privateKeyPem: string; previousKeys: Array<{ id: string; state: string; expiresAt: string }> };
  };
  const signer = (rotated: { privateKeyPem: string }): CreatedProject => ({ ...portico.project, privateKeyPem: rotated.privateKeyPem });
  const callerKeyId = async () => (await portico.store.db.selectFrom('api_keys').select('id').where('project_id', '=', portico.project.projectId).executeTakeFirstOrThrow()).id;

  it('keeps the previous key valid for 24 hours by default, and shows each key\'s state', async () => {
    const oldToken = await portico.token('k1');
    expect((await me(oldToken)).statusCode).toBe(200);
    const before = Date.now();
    const rotated = await rotate();
    expect(rotated.privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    expect(rotated.previousKeys).toEqual([{ id: portico.project.signingKeyId, state: 'grace', expiresAt: expect.any(String) }]);
    const graceEnds = Date.parse(rotated.previousKeys[0]!.expiresAt);
    expect(graceEnds).toBeGreaterThanOrEqual(before + DAY_MS);
    expect(graceEnds).toBeLessThan(Date.now() + DAY_MS + 1000);

    expect((await me(oldToken)).statusCode).toBe(200);
    expect((await me(await signToken(signer(rotated), 'k1'))).statusCode).toBe(200);

    const keys = await keysNow();
    expect(keys.map((k) => [k.id, k.state, k.active])).toEqual([[rotated.id, 'active', true], [portico.project.signingKeyId, 'grace', false]]);
    expect(keys[0]).toMatchObject({ expiresAt: null, dateRevoked: null, createdByApiKeyId: await callerKeyId() });
    expect(keys[1]).toMatchObject({ expiresAt: rotated.previousKeys[0]!.expiresAt, dateRevoked: expect.any(String), createdByApiKeyId: null });
    expect(JSON.stringify(keys)).not.toContain('BEGIN');
  });

  it('checks a token with a kid against that key only, and one without against every valid key', async () => {
    const [current, grace] = await keysNow();
    const graceSigner = portico.project;
    expect((await me(await signToken(graceSigner, 'kid-1', { kid: grace!.id as string }))).statusCode).toBe(200);
    expect((await me(await signToken(graceSigner, 'kid-1'))).statusCode).toBe(200);
    const wrongKid = await me(await signToken(graceSigner, 'kid-1', { kid: current!.id as string }));
    expect(wrongKid.json()).toMatchObject({ status: 401, code: 'TOKEN_SIGNATURE_INVALID' });
    const unknownKid = await me(await signToken(graceSigner, 'kid-1', { kid: '00000000-0000-4000-8000-000000000000' }));
    expect(unknownKid.json()).toMatchObject({ status: 401, code: 'TOKEN_SIGNATURE_INVALID' });
    expect(unknownKid.json().message).toContain('kid');
  });

  it('revokes every previous key at once with graceSeconds 0, cached tokens included', async () => {
    const graceToken = await portico.token('revoke-me');
    expect((await me(graceToken)).statusCode).toBe(200);
    const rotated = await rotate({ graceSeconds: 0 });
    expect(rotated.previousKeys.map((k) => k.state)).toEqual(['revoked', 'revoked']);
    expect((await me(graceToken)).json().code).toBe('TOKEN_SIGNATURE_INVALID');
    const kidOfRevoked = await signToken(portico.project, 'revoke-me', { kid: portico.project.signingKeyId });
    expect((await me(kidOfRevoked)).json().code).toBe('TOKEN_SIGNATURE_INVALID');
    expect((await keysNow()).map((k) => k.state)).toEqual(['active', 'revoked', 'revoked']);
    expect((await me(await signToken(signer(rotated), 'revoke-me', { kid: rotated.id }))).statusCode).toBe(200);
  });

  it('stops accepting a grace key when its grace ends, with no job and despite the token cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const previous = await rotate({ graceSeconds: 0 });
    vi.setSystemTime(Date.now() + 10);
    const rotated = await rotate({ graceSeconds: 60 });
    const token = await signToken(signer(previous), 'grace-ends', { ttlSeconds: 3600 });
    expect((await me(token)).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 59_000);
    expect((await me(token)).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await me(token)).json().code).toBe('TOKEN_SIGNATURE_INVALID');
    expect((await keysNow()).slice(0, 2).map((k) => k.state)).toEqual(['active', 'revoked']);
    expect((await me(await signToken(signer(rotated), 'grace-ends', { ttlSeconds: 3600 }))).statusCode).toBe(200);
  });

  it('never extends a grace period: a later rotation ends it at the earlier of the two ends', async () => {
    const first = await rotate({ graceSeconds: 3600 });
    const second = await rotate({ graceSeconds: 7200 });
    const ends = Object.fromEntries(second.previousKeys.map((k) => [k.id, Date.parse(k.expiresAt)]));
    const [firstPrevious] = first.previousKeys;
    expect(ends[firstPrevious!.id]).toBe(Date.parse(firstPrevious!.expiresAt));
    expect(ends[first.id]! - ends[firstPrevious!.id]!).toBeGreaterThan(3_500_000);
    const tooLong = await portico.admin('POST', '/signing-keys', { graceSeconds: 31 * 86_400 });
    expect(tooLong.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('accepts an uploaded RSA public key, recording which API key uploaded it', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const uploaded = await portico.admin('POST', '/signing-keys', { publicKeyPem: publicKey, graceSeconds: 0 });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expect(uploaded.json().privateKeyPem).toBeUndefined();
    expect((await me(await signToken({ ...portico.project, privateKeyPem: privateKey }, 'k2'))).statusCode).toBe(200);
    const row = await portico.store.db.selectFrom('signing_keys').select('created_by_api_key_id').where('id', '=', uploaded.json().id).executeTakeFirstOrThrow();
    expect(row.created_by_api_key_id).toBe(await callerKeyId());
  });

  it('refuses a private key uploaded as publicKeyPem, in any encoding, and keeps the current key', async () => {
    const current = (await portico.admin('GET', '/signing-keys')).json().data[0].id;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encodings = [
      privateKey.export({ type: 'pkcs1', format: 'pem' }),
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }),
      JSON.stringify(privateKey.export({ format: 'jwk' })),
      portico.project.privateKeyPem,
    ].map(String);
    for (const publicKeyPem of encodings) {
      const response = await portico.admin('POST', '/signing-keys', { publicKeyPem });
      expect(response.json(), publicKeyPem.slice(0, 40)).toMatchObject({ status: 400, code: 'SIGNING_KEY_IS_PRIVATE' });
      expect(response.json().message).toMatch(/Never send a private key/);
      expect(response.body).not.toContain(publicKeyPem.slice(40, 80));
    }
    expect((await portico.admin('GET', '/signing-keys')).json().data[0].id).toBe(current);
  });

  it('refuses keys that cannot verify RS256 tokens, and keeps the current key', async () => {
    const current = (await keysNow())[0]!.id;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    for (const publicKeyPem of ['not a key', ec.publicKey, small.publicKey]) {
      const response = await portico.admin('POST', '/signing-keys', { publicKeyPem });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('SIGNING_KEY_INVALID');
    }
    expect((await keysNow())[0]!.id).toBe(current);
  });
});
