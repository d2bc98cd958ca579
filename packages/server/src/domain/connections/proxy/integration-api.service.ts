import type { IncomingHttpHeaders } from 'node:http';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../../platform/errors.ts';
import { isUuid } from '../../../platform/ids.ts';
import { OutboundResponseTooLargeError, OutboundTimeoutError, SsrfBlockedError } from '../../../platform/net/ssrf-guard.ts';
import { apiAccessOf, fillTemplate, type ApiAccess, type Integration } from '../../integrations/index.ts';
import type { ProjectState } from '../../projects/index.ts';
import type { ConnectedUser } from '../../users/index.ts';
import { usableSecrets } from '../credential-access.ts';
import { listCredentialsOfUser, type CredentialRow } from '../credentials.repository.ts';
import { integrationOf, type CredentialSecrets } from '../credentials.service.ts';
import { apiAuthorizationHeaders } from '../oauth/account.ts';
import { bodyBytes, forwardedHeaders, inferContentType } from './api-http.ts';
import { resolveBaseUrl, targetUrl, type ApiTarget } from './api-target.ts';
import { proxyMetrics } from './proxy.metrics.ts';

/** One call to an integration's API on behalf of a Connected User (the Connect proxy, a workflow request step). */
export interface IntegrationApiCall {
  /** Integration type (`salesforce`, `custom.acme`) or id. */
  integrationRef: string;
  /** The credential to use: id, `ext:<externalId>` or externalId (`X-Paragon-Credential`). @default the user's oldest credential of the integration */
  credentialRef?: string | undefined;
  method: string;
  target: ApiTarget;
  /** The caller's headers; credentials, cookies, `X-Paragon-*` and hop-by-hop headers are dropped. A `content-type` of `auto` is inferred from the body. */
  headers?: Readonly<Record<string, string | string[] | undefined>> | undefined;
  /** Bytes as given, a string as UTF-8 text, anything else as JSON. */
  body?: unknown;
  /** The caller went away: stop waiting for the integration. */
  signal?: AbortSignal | undefined;
}

export interface IntegrationApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
  integration: Integration;
  credentialId: string;
  /** Whether the first answer was a 401 and the call was sent again after a refresh. */
  retried: boolean;
}

const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function matchesReference(row: CredentialRow, reference: string): boolean {
  if (isUuid(reference)) return row.id === reference.toLowerCase();
  const externalId = reference.startsWith('ext:') ? reference.slice(4).trim() : reference.trim();
  return row.external_id === externalId;
}

/** The credential the call uses; one indexed query, no configurations or workflow states. */
async function selectCredentialRow(ctx: AppContext, user: ConnectedUser, integration: Integration, reference: string | undefined): Promise<CredentialRow> {
  const rows = (await listCredentialsOfUser(ctx.store.db, user.id)).filter((row) => row.integration_id === integration.id);
  const meta = { integrationId: integration.id, integrationType: integration.type };
  if (reference) {
    const found = rows.find((row) => matchesReference(row, reference));
    if (!found) throw AppError.from('CREDENTIAL_NOT_FOUND', `No ${integration.name} credential "${reference.slice(0, 80)}" for this user.`, meta);
    return found;
  }
  const first = rows[0];
  if (!first) throw AppError.from('INTEGRATION_NOT_INSTALLED', `Integration not enabled for user. The user has not connected ${integration.name}.`, meta);
  return first;
}

function stringValues(json: string): Record<string, string> {
  const values: Record<string, string> = {};
  try {
    for (const [key, value] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
      if (typeof value === 'string') values[key] = value;
      else if (typeof value === 'number' && Number.isFinite(value)) values[key] = String(value);
    }
  } catch {
    // providerData is always a JSON object; nothing to fill from otherwise
  }
  return values;
}

/** The headers of one attempt: the caller's, the integration's fixed ones, then the credential's (which always win). */
function requestHeaders(access: ApiAccess, call: IntegrationApiCall, values: Readonly<Record<string, string>>, body: Buffer | undefined): Record<string, string> {
  const headers = forwardedHeaders(call.headers ?? {});
  if (headers['content-type']?.trim().toLowerCase() === 'auto' || (headers['content-type'] === undefined && body !== undefined && !Buffer.isBuffer(call.body))) {
    const inferred = body === undefined ? undefined : inferContentType(body);
    if (inferred === undefined) delete headers['content-type'];
    else headers['content-type'] = inferred;
  }
  headers['user-agent'] ??= 'Portico';
  try {
    for (const [name, template] of Object.entries(access.headers)) headers[name.toLowerCase()] ??= fillTemplate(template, values);
    Object.assign(headers, apiAuthorizationHeaders(access.authorization, values));
  } catch (error) {
    throw AppError.from('CREDENTIAL_DATA_INVALID', `The credential lacks a value the integration's API authorization needs: ${(error as Error).message}.`);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_VALUE.test(value)) throw AppError.from('CREDENTIAL_DATA_INVALID', `The ${name} header cannot be sent: its value has control characters.`);
  }
  return headers;
}

function credentialValues(row: CredentialRow, secrets: CredentialSecrets): Record<string, string> {
  return { ...stringValues(row.provider_data), ...secrets.inputs, ...(secrets.accessToken === undefined ? {} : { accessToken: secrets.accessToken }) };
}

function outboundFailure(error: unknown, integration: Integration, url: URL, timeoutMs: number): AppError {
  const meta = { integrationType: integration.type, host: url.host };
  if (error instanceof SsrfBlockedError) {
    // The guard also ends redirect chains that do not end; that is the provider misbehaving, not a blocked address.
    if (/^Too many redirects/.test(error.message)) return AppError.from('INTEGRATION_API_UNREACHABLE', `${integration.name} redirected more than 3 times.`, meta);
    return AppError.from('OUTBOUND_REQUEST_BLOCKED', error.message, meta);
  }
  if (error instanceof OutboundTimeoutError) return AppError.from('INTEGRATION_API_TIMEOUT', `${integration.name} did not answer within ${timeoutMs} ms.`, { ...meta, timeoutMs });
  if (error instanceof OutboundResponseTooLargeError) {
    return AppError.from('INTEGRATION_API_RESPONSE_TOO_LARGE', `${integration.name} answered more than ${error.limit} bytes.`, { ...meta, limit: error.limit });
  }
  if ((error as Error).name === 'AbortError') return AppError.from('INTEGRATION_API_UNREACHABLE', `The caller closed the connection before ${integration.name} answered.`, meta);
  return AppError.from('INTEGRATION_API_UNREACHABLE', `${integration.name}'s API at ${url.host} could not be reached: ${(error as Error).message}`, meta);
}

/**
 * Calls an integration's API with the user's credential: the request goes to the integration's
 * API base URL only (through `ctx.outbound`, so the SSRF guard and the allow-list apply), carries
 * the credential as the provider expects it, and is sent once more after a refresh when the
 * provider answers 401 to an OAuth token. Provider errors are returned, not thrown; Portico's
 * own refusals are AppErrors (INVALID credential, no credential, URL off the API, limits).
 */
export async function callIntegrationApi(ctx: AppContext, state: ProjectState, user: ConnectedUser, call: IntegrationApiCall): Promise<IntegrationApiResponse> {
  const started = performance.now();
  const integration = integrationOf(state, call.integrationRef);
  const metrics = proxyMetrics(ctx.metrics);
  try {
    const response = await callWithCredential(ctx, user, integration, call);
    metrics.observe(integration.type, String(response.status), started);
    return response;
  } catch (caught) {
    // The caller went away while a refresh it waited for went on: nobody reads the answer.
    const error = (caught as Error).name === 'AbortError'
      ? AppError.from('INTEGRATION_API_UNREACHABLE', `The caller closed the connection before ${integration.name} answered.`, { integrationType: integration.type })
      : caught;
    metrics.observe(integration.type, error instanceof AppError ? error.code : 'ERROR', started);
    throw error;
  }
}

async function callWithCredential(ctx: AppContext, user: ConnectedUser, integration: Integration, call: IntegrationApiCall): Promise<IntegrationApiResponse> {
  const deadline = Date.now() + ctx.config.proxyTimeoutMs;
  if (!integration.isActive) throw AppError.from('INTEGRATION_INACTIVE', `${integration.name} is not active in this project.`, { integrationType: integration.type });
  const access = apiAccessOf(integration);
  if (!access) {
    throw AppError.from('INTEGRATION_NOT_CONFIGURED', `${integration.name} has no API base URL to call: set apiBaseUrl (custom) or overrides.apiBaseUrl with PATCH /api/v1/projects/{projectId}/integrations/${integration.type}.`, { integrationType: integration.type, missing: ['apiBaseUrl'] });
  }
  const row = await selectCredentialRow(ctx, user, integration, call.credentialRef);
  const meta = { credentialId: row.id, integrationId: integration.id, integrationType: integration.type };
  // An INVALID credential fails fast, without a call the provider would refuse anyway.
  if (row.status === 'INVALID') throw AppError.from('CREDENTIAL_INVALID', `The ${integration.name} credential ${row.id} is INVALID; the user must reconnect it.`, meta);
  if (row.status === 'PENDING') throw AppError.from('CREDENTIAL_PENDING', `The ${integration.name} credential ${row.id} is PENDING: its setup is not complete.`, meta);

  // A refresh this call waits for counts against its deadline too (the refresh itself goes on for others).
  const secretsBefore = async (rejectedAccessToken?: string) => {
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      return await usableSecrets(ctx, row.id, rejectedAccessToken === undefined ? { signal } : { rejectedAccessToken, signal });
    } catch (error) {
      if (timeout.aborted && !call.signal?.aborted) {
        throw AppError.from('INTEGRATION_API_TIMEOUT', `${integration.name}'s token could not be renewed within ${ctx.config.proxyTimeoutMs} ms.`, { integrationType: integration.type, timeoutMs: ctx.config.proxyTimeoutMs });
      }
      throw error;
    }
  };
  let secrets = await secretsBefore();
  const body = bodyBytes(call.body);
  const send = async (current: CredentialSecrets) => {
    const values = credentialValues(row, current);
    const url = targetUrl(call.target, resolveBaseUrl(access, values), access.extraOrigins);
    const headers = requestHeaders(access, call, values, body);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw AppError.from('INTEGRATION_API_TIMEOUT', `${integration.name} did not answer within ${ctx.config.proxyTimeoutMs} ms.`, { integrationType: integration.type, timeoutMs: ctx.config.proxyTimeoutMs });
    try {
      return await ctx.outbound.request(url, {
        method: call.method,
        headers,
        ...(body === undefined ? {} : { body }),
        maxRedirects: 3,
        timeoutMs: remaining,
        maxResponseBytes: ctx.config.proxyMaxResponseBytes,
        signal: call.signal,
      });
    } catch (error) {
      throw outboundFailure(error, integration, url, ctx.config.proxyTimeoutMs);
    }
  };

  let response = await send(secrets);
  let retried = false;
  const rejected = secrets.accessToken;
  if (response.status === 401 && rejected !== undefined && secrets.refreshToken !== undefined) {
    // The provider refused the token before it was due: refresh once (or wait for the refresh
    // another request started) and send again; a second 401 is the provider's answer.
    secrets = await secretsBefore(rejected);
    if (secrets.accessToken !== rejected) {
      response = await send(secrets);
      retried = true;
    }
  }
  return { ...response, integration, credentialId: row.id, retried };
}
