import type { Config } from '../../../platform/config.ts';
import type { SecretBinding, SecretBox } from '../../../platform/crypto/secret-box.ts';
import type { Clock } from '../../../platform/time/clock.ts';
import { AppError } from '../../../platform/errors.ts';
import { readCookie, serializeCookie } from '../../../platform/http/cookies.ts';
import { isPlainObject } from '../../../platform/json/json.ts';

/**
 * The CSRF cookie of an OAuth connection. The SDK's popup first loads the oauth-nonce page, which
 * sets it; the provider then redirects the same browser to `/oauth`, which requires it. Its value is
 * sealed (AES-GCM, so it cannot be forged or altered) and names the project, the user (token `sub`)
 * and the integration the connection is for, and when it expires: a callback for another user's
 * flow (a state planted in someone else's browser) finds no matching cookie and stores nothing.
 * Scoped to the `/oauth` path, HttpOnly, SameSite=Lax (sent on the provider's top-level redirect),
 * Secure when PORTICO_PUBLIC_URL is https.
 */

export interface NonceSubject {
  projectId: string;
  /** The user's `sub`. */
  sub: string;
  integrationId: string;
}

export interface NonceDeps {
  config: Pick<Config, 'publicUrl' | 'oauthFlowTtlSeconds'>;
  secrets: SecretBox;
  clock: Clock;
}

const binding = (integrationId: string): SecretBinding => ({ table: 'oauth_nonce', field: 'cookie', rowId: integrationId });

/** One cookie per integration, so connecting two integrations at once does not make one fail. */
export const nonceCookieName = (integrationId: string): string => `portico_oauth_${integrationId.replace(/[^0-9a-zA-Z]/g, '')}`;

function cookieOptions(config: NonceDeps['config'], maxAgeSeconds: number) {
  const url = new URL(config.publicUrl);
  return {
    path: `${url.pathname.replace(/\/+$/, '')}/oauth`,
    maxAgeSeconds,
    httpOnly: true,
    secure: url.protocol === 'https:',
    sameSite: 'Lax' as const,
  };
}

/** The `Set-Cookie` value of a new nonce cookie for `subject`, valid for the flow lifetime. */
export function issueNonceCookie(deps: NonceDeps, subject: NonceSubject): string {
  const ttl = deps.config.oauthFlowTtlSeconds;
  const payload = JSON.stringify({ p: subject.projectId, s: subject.sub, i: subject.integrationId, x: deps.clock.now() + ttl * 1000 });
  return serializeCookie(nonceCookieName(subject.integrationId), deps.secrets.seal(payload, binding(subject.integrationId)), cookieOptions(deps.config, ttl));
}

/** The `Set-Cookie` value that deletes the cookie once its connection is done. */
export function clearNonceCookie(deps: NonceDeps, integrationId: string): string {
  return serializeCookie(nonceCookieName(integrationId), '', cookieOptions(deps.config, 0));
}

/** Refuses unless the request carries a valid, unexpired nonce cookie for exactly this subject. */
export function checkNonceCookie(deps: NonceDeps, cookieHeader: string | undefined, subject: NonceSubject): void {
  const value = readCookie(cookieHeader, nonceCookieName(subject.integrationId));
  if (!value) throw AppError.from('OAUTH_NONCE_MISSING');
  let claims: unknown;
  try {
    claims = JSON.parse(deps.secrets.open(value, binding(subject.integrationId)));
  } catch {
    throw AppError.from('OAUTH_NONCE_MISMATCH', 'The connection cookie this browser sent was not made by Portico for this integration; start connecting again from the app.');
  }
  if (!isPlainObject(claims) || claims.p !== subject.projectId || claims.s !== subject.sub || claims.i !== subject.integrationId) {
    throw AppError.from('OAUTH_NONCE_MISMATCH');
  }
  if (typeof claims.x !== 'number' || deps.clock.now() >= claims.x) {
    throw AppError.from('OAUTH_NONCE_MISMATCH', 'The connection cookie this browser sent has expired; start connecting again from the app.');
  }
}
