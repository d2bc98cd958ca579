import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/domain/projects/index.ts';
import { STORES, signToken, startPortico, type Portico } from './harness.ts';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe.each(STORES)('User Token authentication (%s)', (kind) => {
  let portico: Portico;
  let me: string;

  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_PROJECT_CACHE_TTL_MS: '0' } });
    me = `/projects/${portico.project.projectId}/sdk/me`;
  });
  afterAll(() => portico.close());

  const call = (token: string | undefined, url = me) =>
    portico.app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  async function expectRejected(token: string | undefined, code: string) {
    const response = await call(token);
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json()).toMatchObject({ code, status: 401 });
    expect(typeof response.json().message).toBe('string');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="portico"/);
    return response;
  }

  it('accepts an RS256 token with aud useparagon.com/{projectId}, with the bare project id, or without aud', async () => {
    for (const aud of [undefined, portico.project.projectId, null]) {
      const response = await call(await portico.token('user-1', { aud }));
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().userId).toBe('user-1');
    }
  });

  it('ignores unknown extra claims', async () => {
    const response = await call(await portico.token('user-extra', { claims: { payload: { a: 1 }, role: 'admin' } }));
    expect(response.statusCode).toBe(200);
  });

  it('answers 401 AUTHORIZATION_MISSING without a header and AUTHORIZATION_MALFORMED for another scheme', async () => {
    const missing = await expectRejected(undefined, 'AUTHORIZATION_MISSING');
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="portico"');
    const basic = await portico.app.inject({ method: 'GET', url: me, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.json().code).toBe('AUTHORIZATION_MALFORMED');
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', iat: now, exp: now + 60 })}.`, 'TOKEN_ALGORITHM_NOT_ALLOWED');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', iat: now, exp: now + 60 })}`;
    const publicPem = createPrivateKey(portico.project.privateKeyPem).export({ type: 'pkcs1', format: 'pem' });
    const signature = createHmac('sha256', publicPem).update(signingInput).digest('base64url');
    await expectRejected(`${signingInput}.${signature}`, 'TOKEN_ALGORITHM_NOT_ALLOWED');
  });

  it('refuses a token signed with another key, and a tampered payload', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('x').setIssuedAt(now).setExpirationTime(now + 60).sign(privateKey);
    await expectRejected(foreign, 'TOKEN_SIGNATURE_INVALID');

    const [header, , signature] = (await portico.token('victim')).split('.');
    await expectRejected(`${header}.${b64({ sub: 'attacker', iat: now, exp: now + 60 })}.${signature}`, 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses expired tokens, nbf in the future, and iat in the future', async () => {
    await expectRejected(await portico.token('late', { ttlSeconds: -120 }), 'TOKEN_EXPIRED');
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(await portico.token('early', { claims: { nbf: now + 3600 } }), 'TOKEN_NOT_YET_VALID');
    const future = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' }).setSubject('f').setIssuedAt(now + 3600).setExpirationTime(now + 7200)
      .sign(createPrivateKey(portico.project.privateKeyPem));
    await expectRejected(future, 'TOKEN_NOT_YET_VALID');
  });

  it('tolerates a small clock skew', async () => {
    const response = await call(await portico.token('skewed', { ttlSeconds: -5 }));
    expect(response.statusCode).toBe(200);
  });

  it('requires sub, iat and exp', async () => {
    const key = createPrivateKey(portico.project.privateKeyPem);
    const now = Math.floor(Date.now() / 1000);
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuedAt(now).setExpirationTime(now + 60).sign(key);
    expect((await expectRejected(noSub, 'TOKEN_CLAIM_MISSING')).json().meta).toEqual({ claim: 'sub' });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('a').setIssuedAt(now).sign(key);
    expect((await expectRejected(noExp, 'TOKEN_CLAIM_MISSING')).json().meta).toEqual({ claim: 'exp' });
    const noIat = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('a').setExpirationTime(now + 60).sign(key);
    expect((await expectRejected(noIat, 'TOKEN_CLAIM_MISSING')).json().meta).toEqual({ claim: 'iat' });
    const numericSub = await new SignJWT({ sub: 42 as unknown as string }).setProtectedHeader({ alg: 'RS256' }).setIssuedAt(now).setExpirationTime(now + 60).sign(key);
    await expectRejected(numericSub, 'TOKEN_CLAIM_INVALID');
    await expectRejected(await portico.token('nul\u0000sub'), 'TOKEN_CLAIM_INVALID');
  });

  it("refuses another project's token on this project's paths, and a wrong aud", async () => {
    const other = await portico.createProject();
    await expectRejected(await signToken(other, 'u', { aud: null }), 'TOKEN_SIGNATURE_INVALID');
    await expectRejected(await portico.token('u', { aud: `useparagon.com/${other.projectId}` }), 'TOKEN_AUDIENCE_MISMATCH');
  });

  it('refuses malformed and oversized tokens', async () => {
    await expectRejected('not-a-jwt', 'TOKEN_MALFORMED');
    await expectRejected('a.b.c', 'TOKEN_MALFORMED');
    await expectRejected(`${b64('[1]')}.${b64({})}.sig`, 'TOKEN_MALFORMED');
    await expectRejected(`${b64({ alg: 'RS256' })}.${'A'.repeat(9000)}.sig`, 'TOKEN_TOO_LARGE');
  });

  it('answers 404 PROJECT_NOT_FOUND for an unknown or malformed project id', async () => {
    const token = await portico.token('u');
    const unknown = await call(token, '/projects/3f0c2f7e-8c1d-4b7a-9d2e-1a2b3c4d5e6f/sdk/me');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('PROJECT_NOT_FOUND');
    expect((await call(token, '/projects/not-a-uuid/sdk/me')).json().code).toBe('PROJECT_NOT_FOUND');
  });

  it('refuses tokens of a rotated-out key, even ones already verified and cached', async () => {
    const token = await portico.token('rotating');
    expect((await call(token)).statusCode).toBe(200);
    const rotated = await rotateSigningKey(portico.ctx, portico.project.projectId, { graceSeconds: 0 }, { kind: 'system', name: 'test' });
    await expectRejected(token, 'TOKEN_SIGNATURE_INVALID');
    const fresh = await signToken({ ...portico.project, privateKeyPem: rotated.privateKeyPem! }, 'rotating');
    expect((await call(fresh)).statusCode).toBe(200);
  });
});
