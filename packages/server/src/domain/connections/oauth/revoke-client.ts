import type { OutboundClient } from '../../../platform/net/outbound.ts';
import { SsrfBlockedError } from '../../../platform/net/ssrf-guard.ts';
import type { RevokeSpec } from '../../integrations/index.ts';
import { fillTemplate } from '../../integrations/index.ts';

/** One token to revoke at a provider, with what the revocation endpoint needs. */
export interface RevokeRequest {
  spec: RevokeSpec;
  token: string;
  /** Which token `token` is (the RFC 7009 `token_type_hint`). */
  tokenType: 'access_token' | 'refresh_token';
  /** Values for the URL's placeholders (inputs, providerData, clientId); `{token}` is added here. */
  values: Readonly<Record<string, string>>;
  clientId: string;
  clientSecret?: string | undefined;
}

export class RevokeError extends Error {
  override name = 'RevokeError';
  constructor(
    message: string,
    /** True when asking again later may work (network, timeout, 5xx, 429). */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Revokes a token at the provider (RFC 7009, or the provider's own variant its catalog entry
 * describes), through `outbound` (SSRF guard). Errors name the host and status, never the token or a
 * URL that may carry it.
 */
export async function revokeToken(outbound: OutboundClient, request: RevokeRequest, options: { timeoutMs?: number } = {}): Promise<{ status: number }> {
  const { spec } = request;
  const url = fillTemplate(spec.url, { ...request.values, clientId: encodeURIComponent(request.clientId), token: encodeURIComponent(request.token) });
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return 'the revocation endpoint';
    }
  })();
  const headers: Record<string, string> = { accept: 'application/json' };
  const fields: Record<string, string> = {};
  const field = spec.tokenField ?? 'token';
  if (spec.tokenPlacement === 'form' || spec.tokenPlacement === 'json') fields[field] = request.token;
  if (spec.tokenPlacement === 'form') fields.token_type_hint = request.tokenType;
  if (spec.tokenPlacement === 'bearer') headers.authorization = `Bearer ${request.token}`;
  if (spec.clientAuth === 'client_secret_basic' && request.clientSecret !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`).toString('base64')}`;
  } else if (spec.clientAuth === 'client_secret_post') {
    fields.client_id = request.clientId;
    if (request.clientSecret !== undefined) fields.client_secret = request.clientSecret;
  }
  let body: string | undefined;
  if (spec.tokenPlacement === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  } else if (Object.keys(fields).length > 0) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields).toString();
  }
  let response;
  try {
    response = await outbound.request(url, {
      method: spec.method, headers, ...(body === undefined ? {} : { body }), maxRedirects: 0, timeoutMs: options.timeoutMs ?? 10_000, maxResponseBytes: 64 * 1024,
    });
  } catch (error) {
    const blocked = error instanceof SsrfBlockedError;
    const code = (error as NodeJS.ErrnoException).code;
    throw new RevokeError(blocked ? `${host} is not reachable from Portico (SSRF guard)` : `${host} could not be reached (${code ?? (error as Error).name})`, !blocked);
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status };
  const retryable = response.status >= 500 || response.status === 429;
  throw new RevokeError(`${host} answered the revocation with HTTP ${response.status}`, retryable, response.status);
}
