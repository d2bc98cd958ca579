import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, signToken, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('Admin API: signing keys (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  const me = (token: string) =>
    portico.app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/me`, headers: { authorization: `Bearer ${token}` } });

  it('generates a new key, returned once; the old key stops working at once', async () => {
    const oldToken = await portico.token('k1');
    expect((await me(oldToken)).statusCode).toBe(200);
    const rotated = await portico.admin('POST', '/signing-keys');
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json().privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    expect((await me(oldToken)).json().code).toBe('TOKEN_SIGNATURE_INVALID');
    const newToken = await signToken({ ...portico.project, privateKeyPem: rotated.json().privateKeyPem }, 'k1');
    expect((await me(newToken)).statusCode).toBe(200);

    const keys = (await portico.admin('GET', '/signing-keys')).json().data;
    expect(keys.map((k: { active: boolean }) => k.active)).toEqual([true, false]);
    expect(keys[0].id).toBe(rotated.json().id);
    expect(JSON.stringify(keys)).not.toContain('BEGIN');
  });

  it('accepts an uploaded RSA public key; the caller keeps the private key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const uploaded = await portico.admin('POST', '/signing-keys', { publicKeyPem: publicKey });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expect(uploaded.json().privateKeyPem).toBeUndefined();
    expect((await me(await signToken({ ...portico.project, privateKeyPem: privateKey }, 'k2'))).statusCode).toBe(200);
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
    const current = (await portico.admin('GET', '/signing-keys')).json().data[0].id;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    for (const publicKeyPem of ['not a key', ec.publicKey, small.publicKey]) {
      const response = await portico.admin('POST', '/signing-keys', { publicKeyPem });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('SIGNING_KEY_INVALID');
    }
    expect((await portico.admin('GET', '/signing-keys')).json().data[0].id).toBe(current);
  });
});
