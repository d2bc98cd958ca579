import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { errors as joseErrors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyRs256FastPath } from '../src/domain/user-tokens/index.ts';

const SKEW = 30;
const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = pair();
const other = pair();
const keys = [
  { id: 'other', key: other.publicKey },
  { id: 'signer', key: signer.publicKey },
];

const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function jwt(header: unknown, payload: unknown, key: KeyObject, tamper: string): string {
  const input = `${part(header)}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), key).toString('base64url');
  const token = `${input}.${signature}`;
  switch (tamper) {
    case 'payload': return `${part(header)}.${part({ ...(payload as object), sub: 'someone-else' })}.${signature}`;
    case 'signature-bit': return `${input}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    case 'signature-extra-char': return `${token}A`;
    case 'signature-padding': return `${token}=`;
    case 'signature-junk': return `${input}.${signature.slice(0, 20)}*${signature.slice(20)}`;
    case 'no-signature': return `${input}.`;
    default: return token;
  }
}

/** What UserTokenVerifier asked of jose before the fast path existed. */
async function joseOutcome(token: string): Promise<{ keyId: string; payload: unknown } | { error: unknown }> {
  let lastError: unknown;
  for (const { id, key } of keys) {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['RS256'], clockTolerance: SKEW, requiredClaims: ['sub', 'iat', 'exp'] });
      return { keyId: id, payload };
    } catch (error) {
      lastError = error;
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) return { error };
    }
  }
  return { error: lastError };
}

describe('RS256 fast path', () => {
  const now = Math.floor(Date.now() / 1000);
  const time = fc.constantFrom(undefined, now - 3600, now - SKEW - 5, now - SKEW + 5, now, now + SKEW - 5, now + SKEW + 5, now + 3600, 'soon', null, 1.5e9 + 0.5);
  const anyClaims = fc.record({
    sub: fc.constantFrom(undefined, 'user-1', '', 42),
    iat: time,
    exp: time,
    nbf: time,
    aud: fc.constantFrom(undefined, 'useparagon.com/p', ['a', 'b']),
  }).map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
  const typicalClaims = fc.record({ sub: fc.string({ minLength: 1, maxLength: 20 }), iat: fc.constant(now), exp: fc.constant(now + 3600), jti: fc.uuid() });
  const claims = fc.oneof({ arbitrary: typicalClaims, weight: 1 }, { arbitrary: anyClaims, weight: 2 });
  const header = fc.constantFrom<unknown>(
    { alg: 'RS256', typ: 'JWT' },
    { alg: 'RS256' },
    { alg: 'RS256', kid: 'k1' },
    { alg: 'RS256', crit: ['exp'], exp: 1 },
    { alg: 'RS256', b64: false, crit: ['b64'] },
  );
  const tamper = fc.constantFrom('none', 'none', 'none', 'payload', 'signature-bit', 'signature-extra-char', 'signature-padding', 'signature-junk', 'no-signature');
  const signedBy = fc.constantFrom(signer.privateKey, other.privateKey, pair().privateKey);

  it('accepts and rejects only what jose accepts and rejects, with the same key and payload', async () => {
    const seen = { verified: 0, 'signature-invalid': 0, undecided: 0 };
    await fc.assert(
      fc.asyncProperty(header, claims, signedBy, tamper, async (h, c, key, t) => {
        const token = jwt(h, c, key, t);
        const fast = verifyRs256FastPath(token, keys, SKEW);
        seen[fast.outcome]++;
        const jose = await joseOutcome(token);
        if (fast.outcome === 'verified') expect(jose).toEqual({ keyId: fast.keyId, payload: fast.payload });
        if (fast.outcome === 'signature-invalid') expect('error' in jose && jose.error).toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
      }),
      { numRuns: 400 },
    );
    // The fast path must actually decide the common cases, or it is dead weight.
    expect(seen.verified).toBeGreaterThan(10);
    expect(seen['signature-invalid']).toBeGreaterThan(10);
  });

  it('leaves keys jose refuses to jose', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const token = jwt({ alg: 'RS256' }, { sub: 'u', iat: now, exp: now + 60 }, small.privateKey, 'none');
    expect(verifyRs256FastPath(token, [{ id: 'small', key: small.publicKey }], SKEW)).toEqual({ outcome: 'undecided' });
  });
});
