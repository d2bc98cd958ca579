import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';
import { AppError } from '../../platform/errors.ts';
import { SecondSight } from '../../platform/cache/second-sight.ts';
import { isSafeText } from '../../platform/json/json-guard.ts';
import type { ProjectSigningKey, ProjectState } from '../projects/index.ts';
import { decodeCanonical, verifyRs256FastPath } from './rs256-fast-path.ts';

export const MAX_TOKEN_BYTES = 8192;
const MAX_SUB_LENGTH = 255;
/**
 * C0 and C1 controls, and characters that are invisible or reorder text (soft hyphen, zero-width,
 * bidi marks, overrides and isolates, line separators, BOM): two subs that look the same must be the same.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

export interface VerifiedUserToken {
  /** The Connected User's id in the app (`sub`). */
  sub: string;
  /** Seconds since the epoch. */
  exp: number;
  /** Signing key that verified the token; a cached token is only trusted while this key is valid. */
  keyId: string;
}

/** What the token cache did since start, for `/metrics`. */
export interface TokenCacheStats {
  hits: number;
  misses: number;
  /** Tokens verified and kept (seen before, see `SecondSight`). */
  admitted: number;
  /** Tokens verified for the first time lately, not kept. */
  firstSight: number;
}

/** The project's keys that verify tokens at `now`: current ones, and rotated-out ones in their grace period. */
function validKeys(state: ProjectState, now: number): ProjectSigningKey[] {
  return state.signingKeys.filter((k) => k.expiresAt === undefined || k.expiresAt > now);
}

/**
 * Verifies Paragon User Tokens: RS256 only, `sub`/`iat`/`exp` required, optional `aud`
 * (`useparagon.com/{projectId}` or the project id). A token whose header names a `kid` is checked
 * against that signing key only; one without against every valid key. Verified tokens are cached
 * until they expire or their key does, whichever comes first, and a hit is only served while the
 * project's current state still holds the key.
 */
export class UserTokenVerifier {
  private readonly cache: LRUCache<string, VerifiedUserToken> | undefined;
  /**
   * A token is kept on its second verification: one used once (a million users each seen once)
   * would only push out tokens in use, and its ~740-byte key is garbage the heap keeps for a while.
   */
  private readonly admission: SecondSight | undefined;
  private readonly counts: TokenCacheStats = { hits: 0, misses: 0, admitted: 0, firstSight: 0 };

  constructor(private readonly clockSkewSeconds: number, cacheSize: number) {
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.admission = cacheSize > 0 ? new SecondSight(Math.max(1024, cacheSize * 4)) : undefined;
  }

  stats(): TokenCacheStats {
    return { ...this.counts };
  }

  async verify(state: ProjectState, token: string): Promise<VerifiedUserToken> {
    if (token.length > MAX_TOKEN_BYTES) throw AppError.from('TOKEN_TOO_LARGE');
    const cacheKey = `${state.project.id} ${token}`;
    const cached = this.cache?.get(cacheKey);
    const now = Date.now();
    const nowSeconds = now / 1000;
    const keys = validKeys(state, now);
    if (cached && cached.exp + this.clockSkewSeconds > nowSeconds && keys.some((k) => k.id === cached.keyId)) {
      this.counts.hits += 1;
      return cached;
    }
    if (this.cache) this.counts.misses += 1;
    const { kid } = checkHeader(token);
    if (keys.length === 0) throw AppError.from('PROJECT_SIGNING_KEY_MISSING');
    const candidates = kid === undefined ? keys : keys.filter((k) => k.id === kid);
    if (candidates.length === 0) {
      throw AppError.from('TOKEN_SIGNATURE_INVALID', 'The signing key the User Token names (kid) is not a valid key of this project: unknown, revoked, or past its grace period.');
    }

    const fast = verifyRs256FastPath(token, candidates, this.clockSkewSeconds);
    if (fast.outcome === 'signature-invalid') throw AppError.from('TOKEN_SIGNATURE_INVALID');
    const { payload, keyId } = fast.outcome === 'verified' ? fast : await this.verifyWithJose(candidates, token);
    const verified = checkClaims(payload, state.project.id, nowSeconds, this.clockSkewSeconds, keyId);
    const keyExpiresAt = candidates.find((k) => k.id === keyId)?.expiresAt ?? Infinity;
    const ttl = Math.min((verified.exp + this.clockSkewSeconds) * 1000, keyExpiresAt) - now;
    if (ttl >= 1 && this.cache) {
      if (this.admission!.admit(cacheKey)) {
        this.cache.set(cacheKey, verified, { ttl });
        this.counts.admitted += 1;
      } else {
        this.counts.firstSight += 1;
      }
    }
    return verified;
  }

  /**
   * What the fast path leaves open, decided by jose with its precise errors. jose is loaded on the
   * first such token: most tokens never need it, and `serve` starts faster without it.
   */
  private async verifyWithJose(keys: readonly ProjectSigningKey[], token: string): Promise<{ payload: JWTPayload; keyId: string }> {
    const { errors: joseErrors, jwtVerify } = await import('jose');
    for (const signingKey of keys) {
      try {
        const { payload } = await jwtVerify(token, signingKey.key, {
          algorithms: ['RS256'],
          clockTolerance: this.clockSkewSeconds,
          requiredClaims: ['sub', 'iat', 'exp'],
        });
        return { payload, keyId: signingKey.id };
      } catch (error) {
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
        throw toAppError(error, joseErrors);
      }
    }
    throw AppError.from('TOKEN_SIGNATURE_INVALID');
  }

  /** Forget every cached token (after a key rotation on this node). */
  clear(): void {
    this.cache?.clear();
  }
}

/**
 * The header, read before any key is: nothing of it is echoed but a printable `alg` (and never into a
 * response header), since all of it is the caller's.
 */
function checkHeader(token: string): { kid: string | undefined } {
  if (token.startsWith('prt_')) {
    throw AppError.from('TOKEN_MALFORMED', "This is a project API key (prt_…). The Connect API expects a User Token: a JWT your backend signs with the project's private key. API keys belong to the Admin API (/api/v1/projects/{projectId}/…) and must stay on your backend.");
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 && p !== parts[2])) throw AppError.from('TOKEN_MALFORMED');
  // One token, one spelling: padding or stray low bits would verify too, each under its own cache entry.
  if (parts.some((p) => p.length > 0 && !decodeCanonical(p))) {
    throw AppError.from('TOKEN_MALFORMED', 'Each part of the User Token must be unpadded base64url in its canonical form (no "=", no stray trailing bits).');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw AppError.from('TOKEN_MALFORMED', 'The User Token header is not base64url-encoded JSON.');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw AppError.from('TOKEN_MALFORMED', 'The User Token header is not a JSON object.');
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (typeof alg !== 'string' || !/^[\x20-\x7e]{0,64}$/.test(alg)) {
    throw AppError.from('TOKEN_MALFORMED', 'The User Token header\'s "alg" must be a short string of printable ASCII ("RS256").');
  }
  if (alg !== 'RS256') {
    throw AppError.from('TOKEN_ALGORITHM_NOT_ALLOWED', `User Tokens must be signed with RS256; this one says alg "${alg}".`, { alg });
  }
  if (Object.hasOwn(header, 'crit')) {
    throw AppError.from('TOKEN_MALFORMED', 'The User Token header lists critical extensions ("crit"); Portico supports none, so leave "crit" out.');
  }
  if (kid !== undefined && typeof kid !== 'string') throw AppError.from('TOKEN_MALFORMED', 'The User Token header\'s "kid" must be a string: the id of a signing key of the project.');
  return { kid };
}

function checkClaims(payload: JWTPayload, projectId: string, now: number, skew: number, keyId: string): VerifiedUserToken {
  const { sub, exp, iat, aud } = payload;
  if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUB_LENGTH || CONTROL_CHARACTERS.test(sub) || !isSafeText(sub)) {
    // Unpaired surrogates would reach the database as U+FFFD, merging distinct subs into one user.
    throw AppError.from('TOKEN_CLAIM_INVALID', `The "sub" claim must be a non-empty string of at most ${MAX_SUB_LENGTH} characters, without control characters (C0, C1), invisible or direction-changing characters (zero-width, bidi marks and overrides) or unpaired surrogates.`, { claim: 'sub' });
  }
  if (typeof iat === 'number' && iat > now + skew) {
    throw AppError.from('TOKEN_NOT_YET_VALID', 'The "iat" claim is in the future; check the signing server\'s clock.', { claim: 'iat' });
  }
  if (aud !== undefined) {
    const allowed = new Set([`useparagon.com/${projectId}`, projectId]);
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => allowed.has(a))) {
      throw AppError.from('TOKEN_AUDIENCE_MISMATCH', `The "aud" claim must be "useparagon.com/${projectId}" (or omitted).`, { claim: 'aud' });
    }
  }
  return { sub, exp: exp as number, keyId };
}

function toAppError(error: unknown, joseErrors: typeof import('jose').errors): AppError {
  if (error instanceof joseErrors.JWTExpired) {
    const expiredAt = isoOfSeconds(error.payload.exp);
    return expiredAt === undefined
      ? AppError.from('TOKEN_EXPIRED', undefined, { claim: 'exp' })
      : AppError.from('TOKEN_EXPIRED', `The User Token expired at ${expiredAt}; sign a new one.`, { claim: 'exp', expiredAt });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const meta = { claim: error.claim };
    if (error.reason === 'missing') {
      return AppError.from('TOKEN_CLAIM_MISSING', `The User Token lacks the "${error.claim}" claim (sub, iat and exp are required).`, meta);
    }
    if (error.claim === 'nbf' && error.reason === 'check_failed') return AppError.from('TOKEN_NOT_YET_VALID', undefined, meta);
    return AppError.from('TOKEN_CLAIM_INVALID', `The "${error.claim}" claim is invalid: ${error.message}.`, meta);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return AppError.from('TOKEN_ALGORITHM_NOT_ALLOWED');
  // jose's message may quote the token's own header parameters; its code does not.
  if (error instanceof joseErrors.JOSEError) return AppError.from('TOKEN_MALFORMED', `The User Token could not be read (${error.code}).`);
  throw error;
}

function isoOfSeconds(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number') return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
