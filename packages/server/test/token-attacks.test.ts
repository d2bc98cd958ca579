import { createPrivateKey, createSign, generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Attacks beyond test/auth.test.ts: keys smuggled in the header, algorithm spellings, crit headers. */
describe.each(STORES)('User Token header attacks (%s)', (kind) => {
  let portico: Portico;
  let me: string;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    portico = await startPortico(kind);
    me = `/projects/${portico.project.projectId}/sdk/me`;
  });
  afterAll(() => portico.close());

  const call = (token: string) => portico.app.inject({ method: 'GET', url: me, headers: { authorization: `Bearer ${token}` } });

  it('ignores keys and key URLs embedded in the header (jwk, jku, x5u, x5c, kid)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    for (const header of [{ jwk }, { jku: 'http://127.0.0.1:1/jwks.json' }, { x5u: 'http://127.0.0.1:1/cert.pem' }, { x5c: ['MIIB'] }, { kid: '../../../../dev/null' }]) {
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', ...header }).setSubject('intruder').setIssuedAt(now).setExpirationTime(now + 60).sign(privateKey);
      const response = await call(token);
      expect(response.json(), JSON.stringify(Object.keys(header))).toMatchObject({ status: 401, code: 'TOKEN_SIGNATURE_INVALID' });
    }
  });

  it('refuses every algorithm spelling but RS256, even with a valid RS256 signature underneath', async () => {
    const valid = await portico.token('alg-user');
    const [, payload, signature] = valid.split('.');
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS256', 'RS512', 'PS256', 'ES256', 'rs256', 'RS256 ', '', null, ['RS256']]) {
      const response = await call(`${b64({ alg, typ: 'JWT' })}.${payload}.${signature}`);
      expect(response.json(), String(alg)).toMatchObject({ status: 401, code: 'TOKEN_ALGORITHM_NOT_ALLOWED' });
    }
  });

  it('refuses unknown critical header parameters and signatures over a re-encoded header', async () => {
    const key = createPrivateKey(portico.project.privateKeyPem);
    const input = `${b64({ alg: 'RS256', crit: ['x-portico'], 'x-portico': 1 })}.${b64({ sub: 'crit', iat: now, exp: now + 60 })}`;
    const critical = `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
    expect((await call(critical)).json()).toMatchObject({ status: 401, code: 'TOKEN_MALFORMED' });
    const valid = await portico.token('reencoded');
    const [, payload, signature] = valid.split('.');
    const response = await call(`${b64({ typ: 'JWT', alg: 'RS256' })}.${payload}.${signature}`);
    expect(response.json()).toMatchObject({ status: 401, code: 'TOKEN_SIGNATURE_INVALID' });
  });
});
