import type { OutboundClient } from '../../../platform/net/outbound.ts';
import { SsrfBlockedError } from '../../../platform/net/ssrf-guard.ts';
import { isPlainObject, type JsonObject } from '../../../platform/json/json.ts';

/**
 * The OAuth 2.0 token endpoint client (RFC 6749 §4.1.3, §6): the code exchange of the install flow
 * and the refresh grant of the token refresher, both through `ctx.outbound` (SSRF guard).
 */

export interface TokenEndpoint {
  tokenUrl: string;
  clientId: string;
  /** Absent for a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** `body`: client_id and client_secret as form fields; `basic`: HTTP Basic (RFC 6749 §2.3.1). @default "body" */
  clientAuth?: 'body' | 'basic' | undefined;
  /** The request body as a form (RFC 6749) or, for the few providers that want it, JSON. @default "form" */
  bodyEncoding?: 'form' | 'json' | undefined;
}

/** What a token endpoint answered, in Portico's names. */
export interface TokenSet {
  accessToken: string;
  tokenType?: string | undefined;
  /** Absent when the provider issued none, or (on refresh) kept the old one. */
  refreshToken?: string | undefined;
  /** Lifetime in seconds, as the provider said. */
  expiresIn?: number | undefined;
  /** The scopes granted, space- or comma-separated as the provider wrote them. */
  scope?: string | undefined;
  idToken?: string | undefined;
  /** Every other field of the answer (instance_url, team …) for the caller to pick from; may hold secrets. */
  extra: JsonObject;
  /** The whole answer, tokens included (for `token.<path>` references); never store or log it as is. */
  raw: JsonObject;
}

export type TokenErrorKind =
  /** The provider answered and refused (error=invalid_grant, invalid_client …). */
  | 'rejected'
  /** Network failure, timeout, 5xx or 429: worth retrying later. */
  | 'unavailable'
  /** A 2xx answer without an access token, or one that is not JSON or a form. */
  | 'invalid_response'
  /** The SSRF guard refused the token URL (a private address not in PORTICO_OUTBOUND_ALLOW_HOSTS). */
  | 'blocked';

export class TokenEndpointError extends Error {
  override name = 'TokenEndpointError';
  constructor(
    message: string,
    readonly kind: TokenErrorKind,
    /** The OAuth `error` code when the provider sent one (RFC 6749 §5.2). */
    readonly oauthError?: string,
    readonly description?: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /**
   * True when asking again cannot succeed: the provider refused this grant or client. A refresh that
   * fails this way with `invalid_grant` means the user revoked access (the credential is INVALID);
   * `invalid_client` and `unauthorized_client` point at the project's OAuth client instead.
   */
  get permanent(): boolean {
    return this.kind === 'rejected';
  }
}

export interface TokenRequestOptions {
  /** Whole exchange. @default 15000 */
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 256 * 1024;
const KNOWN_FIELDS = new Set(['access_token', 'token_type', 'refresh_token', 'expires_in', 'scope', 'id_token']);

function parseBody(body: Buffer, contentType: string | undefined): JsonObject | undefined {
  const text = body.toString('utf8');
  const asForm = () => Object.fromEntries(new URLSearchParams(text));
  if (contentType?.includes('application/x-www-form-urlencoded')) return asForm();
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    // GitHub and others answer a form unless asked for JSON; some send it as text/plain.
    return /^[\w.~%+-]+=/.test(text) ? asForm() : undefined;
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function toTokenSet(answer: JsonObject): TokenSet | undefined {
  const accessToken = str(answer.access_token);
  if (!accessToken) return undefined;
  const rawExpiry = answer.expires_in;
  const expiresIn = typeof rawExpiry === 'number' ? rawExpiry : typeof rawExpiry === 'string' && /^\d+$/.test(rawExpiry) ? Number(rawExpiry) : undefined;
  const extra: JsonObject = {};
  for (const [key, value] of Object.entries(answer)) if (!KNOWN_FIELDS.has(key)) extra[key] = value;
  return {
    accessToken,
    tokenType: str(answer.token_type),
    refreshToken: str(answer.refresh_token),
    expiresIn: expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
    scope: str(answer.scope),
    idToken: str(answer.id_token),
    extra,
    raw: answer,
  };
}

/** Sends one grant to the token endpoint and reads the answer; never puts a token or secret in an error message. */
async function requestTokens(outbound: OutboundClient, endpoint: TokenEndpoint, grant: Record<string, string>, options: TokenRequestOptions): Promise<TokenSet> {
  const fields: Record<string, string> = { ...grant };
  const json = endpoint.bodyEncoding === 'json';
  const headers: Record<string, string> = { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (endpoint.clientAuth === 'basic' && endpoint.clientSecret !== undefined) {
    const pair = `${encodeURIComponent(endpoint.clientId)}:${encodeURIComponent(endpoint.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    fields.client_id = endpoint.clientId;
    if (endpoint.clientSecret !== undefined) fields.client_secret = endpoint.clientSecret;
  }
  const body = json ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const host = (() => {
    try {
      return new URL(endpoint.tokenUrl).host;
    } catch {
      return 'the token endpoint';
    }
  })();
  let response;
  try {
    // No redirects: a token request carries the client secret and the code, for this URL only.
    response = await outbound.request(endpoint.tokenUrl, {
      method: 'POST', headers, body, maxRedirects: 0, timeoutMs: options.timeoutMs ?? 15_000, maxResponseBytes: MAX_RESPONSE_BYTES,
    });
  } catch (error) {
    if (error instanceof SsrfBlockedError) {
      const redirect = /redirect/i.test(error.message);
      return Promise.reject(new TokenEndpointError(
        redirect ? `${host} answered the token request with a redirect; configure the final token URL.` : `The token URL is not reachable from Portico: ${error.message}`,
        redirect ? 'invalid_response' : 'blocked',
      ));
    }
    return Promise.reject(new TokenEndpointError(`${host} could not be reached: ${(error as Error).message}`, 'unavailable'));
  }
  const answer = parseBody(response.body, response.headers['content-type']);
  const oauthError = str(answer?.error);
  const description = str(answer?.error_description)?.slice(0, 500);
  if (response.status >= 500 || response.status === 429) {
    throw new TokenEndpointError(`${host} answered ${response.status}${oauthError ? ` (${oauthError})` : ''}.`, 'unavailable', oauthError, description, response.status);
  }
  if (response.status >= 400 || oauthError) {
    throw new TokenEndpointError(
      `${host} refused the token request: ${oauthError ?? `HTTP ${response.status}`}${description ? ` (${description})` : ''}.`,
      'rejected', oauthError, description, response.status,
    );
  }
  const tokens = answer && response.status >= 200 && response.status < 300 ? toTokenSet(answer) : undefined;
  if (!tokens) throw new TokenEndpointError(`${host} answered ${response.status} without an access_token.`, 'invalid_response', undefined, undefined, response.status);
  return tokens;
}

/** Exchanges an authorization code (with the PKCE verifier when the flow sent a challenge). */
export function exchangeCode(
  outbound: OutboundClient,
  endpoint: TokenEndpoint,
  grant: { code: string; redirectUri: string; codeVerifier?: string | undefined },
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const fields: Record<string, string> = { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri };
  if (grant.codeVerifier !== undefined) fields.code_verifier = grant.codeVerifier;
  return requestTokens(outbound, endpoint, fields, options);
}

/**
 * Uses a refresh token (RFC 6749 §6). When the answer has no `refresh_token`, the old one stays
 * valid: keep it. `scopes`, when given, narrows the grant (most callers leave it out).
 */
export function refreshToken(
  outbound: OutboundClient,
  endpoint: TokenEndpoint,
  grant: { refreshToken: string; scopes?: readonly string[] | undefined },
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const fields: Record<string, string> = { grant_type: 'refresh_token', refresh_token: grant.refreshToken };
  if (grant.scopes && grant.scopes.length > 0) fields.scope = grant.scopes.join(' ');
  return requestTokens(outbound, endpoint, fields, options);
}

/** When the access token stops working, from `expires_in` and the moment the answer arrived (ms). */
export function expiresAtOf(tokens: TokenSet, receivedAt: number): string | undefined {
  return tokens.expiresIn === undefined ? undefined : new Date(receivedAt + tokens.expiresIn * 1000).toISOString();
}
