import type { OutboundClient } from '../../../platform/net/outbound.ts';
import { SsrfBlockedError } from '../../../platform/net/ssrf-guard.ts';
import { isPlainObject, type JsonObject } from '../../../platform/json/json.ts';

/** Who the connected account is at the provider: `providerId` and non-secret `providerData`. */
export interface AccountIdentity {
  providerId: string | null;
  providerData: JsonObject;
}

export class AccountLookupError extends Error {
  override name = 'AccountLookupError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const MAX_FIELDS = 32;
const MAX_STRING = 512;
/** Fields that may hold secrets are never copied into providerData, which apps and end users see. */
const SECRET_LOOKING = /token|secret|password|passwd|credential|signature|api_?key|session|cookie/i;

/** The value at a dot path (`account.id`), as a string when it is a string or a number. */
function valueAt(answer: JsonObject, path: string): string | undefined {
  let current: unknown = answer;
  for (const part of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  if (typeof current === 'string' && current !== '') return current;
  if (typeof current === 'number' && Number.isFinite(current)) return String(current);
  return undefined;
}

/** Top-level scalar fields that do not look secret, bounded: what the app and the user may see about the account. */
function publicFields(answer: JsonObject): JsonObject {
  const data: JsonObject = {};
  for (const [key, value] of Object.entries(answer)) {
    if (Object.keys(data).length >= MAX_FIELDS) break;
    if (SECRET_LOOKING.test(key) || key.length > 64) continue;
    if (typeof value === 'string' && value.length <= MAX_STRING) data[key] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') data[key] = value;
  }
  return data;
}

/** The identity in an answer: the id at `idField`, else `sub`, else `id`. */
export function identityFrom(answer: JsonObject, idField?: string): AccountIdentity {
  const providerId = idField ? valueAt(answer, idField) : (valueAt(answer, 'sub') ?? valueAt(answer, 'id'));
  return { providerId: providerId ?? null, providerData: publicFields(answer) };
}

/** Reads the account endpoint (a userinfo endpoint) with the new access token. */
export async function fetchAccount(
  outbound: OutboundClient,
  request: { accountUrl: string; accessToken: string; tokenType?: string | undefined; idField?: string | undefined },
): Promise<AccountIdentity> {
  let response;
  const scheme = request.tokenType && /^bearer$/i.test(request.tokenType) ? 'Bearer' : (request.tokenType ?? 'Bearer');
  try {
    response = await outbound.request(request.accountUrl, {
      headers: { authorization: `${scheme} ${request.accessToken}`, accept: 'application/json' },
      maxRedirects: 2,
      timeoutMs: 15_000,
      maxResponseBytes: 256 * 1024,
    });
  } catch (error) {
    const reason = error instanceof SsrfBlockedError ? `not reachable from Portico: ${error.message}` : `could not be reached: ${(error as Error).message}`;
    throw new AccountLookupError(`The account endpoint ${reason}`);
  }
  if (response.status < 200 || response.status >= 300) throw new AccountLookupError(`The account endpoint answered ${response.status}.`, response.status);
  let answer: unknown;
  try {
    answer = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new AccountLookupError('The account endpoint did not answer JSON.', response.status);
  }
  if (!isPlainObject(answer)) throw new AccountLookupError('The account endpoint did not answer a JSON object.', response.status);
  const identity = identityFrom(answer, request.idField);
  if (identity.providerId === null) {
    throw new AccountLookupError(`The account endpoint's answer has no ${request.idField ? `"${request.idField}"` : '"sub" or "id"'} field (set accountIdField to the id's path).`, response.status);
  }
  return identity;
}

/**
 * The identity in an OpenID Connect id_token, read without checking its signature: it came
 * straight from the token endpoint over the connection Portico opened (OpenID Connect Core §3.1.3.7).
 */
export function identityFromIdToken(idToken: string): AccountIdentity | undefined {
  const payload = idToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!isPlainObject(claims) || typeof claims.sub !== 'string') return undefined;
    const data: JsonObject = {};
    for (const key of ['email', 'name', 'preferred_username'] as const) if (typeof claims[key] === 'string') data[key] = claims[key];
    return { providerId: claims.sub, providerData: data };
  } catch {
    return undefined;
  }
}
