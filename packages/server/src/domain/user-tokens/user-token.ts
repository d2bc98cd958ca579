import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';
import { AppError } from '../../platform/errors.ts';
import { isSafeText } from '../../platform/json/json-guard.ts';
import type { ProjectState } from '../projects/index.ts';
import { verifyRs256FastPath } from './rs256-fast-path.ts';

export const MAX_TOKEN_BYTES = 8192;
const MAX_SUB_LENGTH = 255;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export interface VerifiedUserToken {
  /** The Connected User's id in the app (`sub`). */
  sub: string;
  /** Seconds since the epoch. */
  exp: number;
  /** Signing key that verified the token; a cached token is only trusted while this key is active. */
  keyId: string;
}

/**
 * Verifies Paragon User Tokens: RS256 only, `sub`/`iat`/`exp` required, optional `aud`
 * (`useparagon.com/{projectId}` or the project id). Verified tokens are cached until they expire.
 */
export class UserTokenVerifier {
  private readonly cache: LRUCache<string, VerifiedUserToken> | undefined;

  constructor(private readonly clockSkewSeconds: number, cacheSize: number) {
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
  }

  async verify(state: ProjectState, token: string): Promise<VerifiedUserToken> {
    if (token.length > MAX_TOKEN_BYTES) throw AppError.from('TOKEN_TOO_LARGE');
    const cacheKey = `${state.project.id} ${token}`;
    const cached = this.cache?.get(cacheKey);
    const nowSeconds = Date.now() / 1000;
    if (cached && cached.exp + this.clockSkewSeconds > nowSeconds && state.signingKeys.some((k) => k.id === cached.keyId)) {
      return cached;
    }
    checkHeader(token);
    if (state.signingKeys.length === 0) throw AppError.from('PROJECT_SIGNING_KEY_MISSING');

    const fast = verifyRs256FastPath(token, state.signingKeys, this.clockSkewSeconds);
    if (fast.outcome === 'signature-invalid') throw AppError.from('TOKEN_SIGNATURE_INVALID');
    const { payload, keyId } = fast.outcome === 'verified' ? fast : await this.verifyWithJose(state, token);
    const verified = checkClaims(payload, state.project.id, nowSeconds, this.clockSkewSeconds, keyId);
    this.cache?.set(cacheKey, verified, { ttl: Math.max(1, (verified.exp + this.clockSkewSeconds - nowSeconds) * 1000) });
    return verified;
  }

  /**
   * What the fast path leaves open, decided by jose with its precise errors. jose is loaded on the
   * first such token: most tokens never need it, and `serve` starts faster without it.
   */
  private async verifyWithJose(state: ProjectState, token: string): Promise<{ payload: JWTPayload; keyId: string }> {
    const { errors: joseErrors, jwtVerify } = await import('jose');
    for (const signingKey of state.signingKeys) {
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

function checkHeader(token: string): void {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 && p !== parts[2])) throw AppError.from('TOKEN_MALFORMED');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw AppError.from('TOKEN_MALFORMED', 'The User Token header is not base64url-encoded JSON.');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw AppError.from('TOKEN_MALFORMED', 'The User Token header is not a JSON object.');
  const alg = (header as { alg?: unknown }).alg;
  if (alg !== 'RS256') {
    throw AppError.from('TOKEN_ALGORITHM_NOT_ALLOWED', `User Tokens must be signed with RS256; this one says alg "${String(alg)}".`, { alg: String(alg) });
  }
}

function checkClaims(payload: JWTPayload, projectId: string, now: number, skew: number, keyId: string): VerifiedUserToken {
  const { sub, exp, iat, aud } = payload;
  if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUB_LENGTH || CONTROL_CHARACTERS.test(sub) || !isSafeText(sub)) {
    // Unpaired surrogates would reach the database as U+FFFD, merging distinct subs into one user.
    throw AppError.from('TOKEN_CLAIM_INVALID', `The "sub" claim must be a non-empty string of at most ${MAX_SUB_LENGTH} characters without control characters or unpaired surrogates.`, { claim: 'sub' });
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
  if (error instanceof joseErrors.JWTExpired) return AppError.from('TOKEN_EXPIRED');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const meta = { claim: error.claim };
    if (error.reason === 'missing') {
      return AppError.from('TOKEN_CLAIM_MISSING', `The User Token lacks the "${error.claim}" claim (sub, iat and exp are required).`, meta);
    }
    if (error.claim === 'nbf' && error.reason === 'check_failed') return AppError.from('TOKEN_NOT_YET_VALID', undefined, meta);
    return AppError.from('TOKEN_CLAIM_INVALID', `The "${error.claim}" claim is invalid: ${error.message}.`, meta);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return AppError.from('TOKEN_ALGORITHM_NOT_ALLOWED');
  if (error instanceof joseErrors.JOSEError) return AppError.from('TOKEN_MALFORMED', `The User Token could not be read: ${error.message}.`);
  throw error;
}
