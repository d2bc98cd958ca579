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
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS256', 'RS512', 'PS256', 'ES256', 'rs256', 'RS256 ', '']) {
      const response = await call(`${b64({ alg, typ: 'JWT' })}.${payload}.${signature}`);
      expect(response.json(), String(alg)).toMatchObject({ status: 401, code: 'TOKEN_ALGORITHM_NOT_ALLOWED' });
    }
  });

  /** A token signed with the project's own key over exactly this header, so only the header can fail it. */
  const signedWithHeader = (header: unknown, claims: Record<string, unknown> = {}) => {
    const input = `${b64(header)}.${b64({ sub: 'header-case', iat: now, exp: now + 600, ...claims })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(createPrivateKey(portico.project.privateKeyPem)).toString('base64url')}`;
  };

  async function expectSafe401(token: string, code: string, label: string, leak?: string) {
    const response = await call(token);
    expect(response.statusCode, `${label}: ${response.body}`).toBe(401);
    expect(response.json(), label).toMatchObject({ status: 401, code });
    const header = response.headers['www-authenticate'];
    expect(header, label).toMatch(/^Bearer realm="portico", error="invalid_token", error_description="[\x20-\x7e]*"$/);
    if (leak) expect(String(header), label).not.toContain(leak);
  }

  it('answers 401 TOKEN_MALFORMED, never a 500, to an alg with CR/LF or non-Latin-1 characters, or one that is not a string', async () => {
    const shapes: Array<[string, unknown]> = [
      ['CR/LF', 'RS256\r\nX-Injected: yes'],
      ['LF', 'none\nSet-Cookie: a=b'],
      ['NUL', 'RS\u0000256'],
      ['non-Latin-1', 'RS256\u2028'],
      ['fullwidth', '\uff32\uff33256'],
      ['emoji', 'RS256 🚀'],
      ['Latin-1 above ASCII', 'RS256\u00ff'],
      ['a very long alg', 'A'.repeat(300)],
      ['an object', { toString: 'x' }],
      ['an object with toString/valueOf', { toString: 1, valueOf: 2 }],
      ['an array holding an object', [{ toString: 1 }]],
      ['an array', ['RS256']],
      ['null', null],
      ['a number', 256],
      ['missing', undefined],
    ];
    for (const [label, alg] of shapes) await expectSafe401(signedWithHeader({ alg, typ: 'JWT' }), 'TOKEN_MALFORMED', label, 'Injected');
  });

  it('answers 401 TOKEN_MALFORMED to any crit header, however its names are spelled', async () => {
    const crits: Array<[string, unknown]> = [
      ['CR/LF name', ['x\r\nX-Injected: yes']],
      ['non-Latin-1 name', ['ext\u2603']],
      ['"__proto__"', ['__proto__']],
      ['"toString" (inherited)', ['toString']],
      ['"constructor"', ['constructor']],
      ['a known claim name', ['exp']],
      ['b64', ['b64']],
      ['an object name', [{ a: 1 }]],
      ['not an array', 'x\r\ny'],
      ['empty', []],
    ];
    for (const [label, crit] of crits) {
      await expectSafe401(signedWithHeader({ alg: 'RS256', crit, toString: 1, exp: 1, b64: true, 'ext\u2603': 1, 'x\r\nX-Injected: yes': 1 }), 'TOKEN_MALFORMED', label, 'Injected');
    }
  });

  it('ignores hostile values in header fields it does not read (typ, cty)', async () => {
    const token = signedWithHeader({ alg: 'RS256', typ: 'JWT\r\nX-Injected: yes', cty: '\u2028' });
    const response = await call(token);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('refuses a kid that is not a string, or names no key, without echoing it', async () => {
    await expectSafe401(signedWithHeader({ alg: 'RS256', kid: { toString: 1 } }), 'TOKEN_MALFORMED', 'an object kid', 'toString');
    await expectSafe401(signedWithHeader({ alg: 'RS256', kid: 'x\r\nX-Injected: yes' }), 'TOKEN_SIGNATURE_INVALID', 'an unknown kid', 'Injected');
  });

  it('refuses a payload or signature re-encoded with padding or stray trailing bits, as TOKEN_MALFORMED', async () => {
    const valid = await portico.token('canonical');
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    expect((await call(valid)).statusCode).toBe(200);
    // 342 characters carry 2,052 bits for a 2,048-bit signature: the last character has 4 spare bits.
    const last = signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const strayBits = alphabet[alphabet.indexOf(last) | 1]!;
    const variants: Array<[string, string]> = [
      ['stray bits in the signature', `${header}.${payload}.${signature.slice(0, -1)}${strayBits}`],
      ['padded signature', `${header}.${payload}.${signature}==`],
      ['padded header', `${header}${'='.repeat((4 - (header.length % 4)) % 4 || 4)}.${payload}.${signature}`],
      ['standard base64 signature', `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`],
    ];
    for (const [label, token] of variants) {
      expect(token, label).not.toBe(valid);
      await expectSafe401(token, 'TOKEN_MALFORMED', label);
    }
  });

  it('refuses a sub holding C1 controls, bidi overrides or zero-width characters, as TOKEN_CLAIM_INVALID with a message', async () => {
    for (const sub of ['user\u0085', 'user\u009b1', 'admin\u202e', '\u202dalice', 'al\u200bice', 'bob\u200d', '\ufeffcarol', 'dave\u2066x\u2069', 'eve\u061c', 'mallory\u2028', 'soft\u00adhyphen']) {
      const response = await call(await portico.token(sub));
      expect(response.json(), JSON.stringify(sub)).toMatchObject({ status: 401, code: 'TOKEN_CLAIM_INVALID', meta: { claim: 'sub' } });
      expect(response.json().message).toMatch(/invisible or direction-changing/);
    }
    // Plain non-ASCII stays fine.
    expect((await call(await portico.token('Zoë-山田'))).statusCode).toBe(200);
  });

  it('says which credential each API expects when handed the other one', async () => {
    const apiKey = await call(portico.project.apiKey);
    expect(apiKey.json()).toMatchObject({ status: 401, code: 'TOKEN_MALFORMED' });
    expect(apiKey.json().message).toMatch(/project API key.*Connect API expects a User Token/);
    expect(apiKey.body).not.toContain(portico.project.apiKey);
    const token = await portico.token('wrong-api');
    const admin = await portico.app.inject({ method: 'GET', url: `/api/v1/projects/${portico.project.projectId}/integrations`, headers: { authorization: `Bearer ${token}` } });
    expect(admin.json()).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
    expect(admin.json().message).toMatch(/User Token.*Admin API expects a project API key/);
    expect(admin.body).not.toContain(token);
  });

  it('tells when an expired token expired (meta.expiredAt)', async () => {
    const token = await portico.token('expired', { ttlSeconds: -3600 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    const response = await call(token);
    expect(response.json()).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED', meta: { expiredAt: new Date(exp * 1000).toISOString() } });
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
