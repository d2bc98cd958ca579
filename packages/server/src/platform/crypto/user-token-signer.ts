import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';

/** Parses "90s", "30m", "1h", "7d" or a number of seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`TTL "${text}" is not a duration; use e.g. 3600, 90s, 30m, 1h or 7d.`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Signs a Paragon User Token the way an app's backend does: RS256, sub/iat/exp, aud useparagon.com/{projectId}. */
export async function signUserToken(input: {
  privateKeyPem: string;
  projectId: string;
  userId: string;
  ttlSeconds: number;
  extraClaims?: Record<string, unknown>;
}): Promise<string> {
  const key = createPrivateKey(input.privateKeyPem);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...input.extraClaims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setSubject(input.userId)
    .setAudience(`useparagon.com/${input.projectId}`)
    .setIssuedAt(now)
    .setExpirationTime(now + input.ttlSeconds)
    .sign(key);
}
