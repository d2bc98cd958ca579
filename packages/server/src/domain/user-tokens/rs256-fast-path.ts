import { verify, type KeyObject } from 'node:crypto';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Unpadded base64url in its one canonical spelling (Buffer would quietly drop stray bits). */
export function decodeCanonical(part: string): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
const usableKeys = new WeakMap<KeyObject, boolean>();

/** An RSA public key jose would accept for RS256 (it refuses moduli under 2048 bits). */
function usable(key: KeyObject): boolean {
  let ok = usableKeys.get(key);
  if (ok === undefined) {
    ok = key.type === 'public' && key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
    usableKeys.set(key, ok);
  }
  return ok;
}

export type FastPathResult =
  | { outcome: 'verified'; keyId: string; payload: Record<string, unknown> }
  | { outcome: 'signature-invalid' }
  | { outcome: 'undecided' };

/**
 * RS256 User Token verification with node:crypto, several times cheaper than jose's WebCrypto path,
 * for the tokens that are plainly valid or plainly forged. It only ever answers what jose would:
 * - `verified` when the token is well-formed (base64url parts, a JSON object header without `crit`
 *   or `b64`, a strict UTF-8 JSON object payload), a usable key's signature matches, and the claims
 *   pass jose's checks as `UserTokenVerifier` configures them (`exp`, `iat`, `sub` present; `exp`,
 *   `iat`, `nbf` numbers; not expired and not before `nbf`, with the clock tolerance);
 * - `signature-invalid` when the token is well-formed and every key is usable but none matches;
 * - `undecided` otherwise: the caller asks jose, which gives the precise error.
 * The caller has already checked that the header's `alg` is RS256.
 */
export function verifyRs256FastPath(
  token: string,
  keys: ReadonlyArray<{ id: string; key: KeyObject }>,
  clockToleranceSeconds: number,
): FastPathResult {
  const [headerPart, payloadPart, signaturePart] = token.split('.');
  if (headerPart === undefined || payloadPart === undefined || signaturePart === undefined) return { outcome: 'undecided' };
  if (keys.length === 0 || !keys.every((k) => usable(k.key))) return { outcome: 'undecided' };
  const headerBytes = decodeCanonical(headerPart);
  const payloadBytes = decodeCanonical(payloadPart);
  const signature = decodeCanonical(signaturePart);
  if (!headerBytes || !payloadBytes || !signature) return { outcome: 'undecided' };

  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(utf8.decode(headerBytes));
    payload = JSON.parse(utf8.decode(payloadBytes));
  } catch {
    return { outcome: 'undecided' };
  }
  if (!isObject(header) || header.alg !== 'RS256' || 'crit' in header || 'b64' in header || !isObject(payload)) return { outcome: 'undecided' };

  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`);
  const match = keys.find((k) => verify('sha256', signingInput, k.key, signature));
  if (!match) return { outcome: 'signature-invalid' };

  const now = Math.floor(Date.now() / 1000);
  const { exp, iat, nbf } = payload;
  const claimsPass = Object.hasOwn(payload, 'sub')
    && typeof exp === 'number' && exp > now - clockToleranceSeconds
    && typeof iat === 'number'
    && (nbf === undefined || (typeof nbf === 'number' && nbf <= now + clockToleranceSeconds));
  return claimsPass ? { outcome: 'verified', keyId: match.id, payload } : { outcome: 'undecided' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
