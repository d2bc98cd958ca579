import type { OutboundClient } from '../../../platform/net/outbound.ts';
import { SsrfBlockedError } from '../../../platform/net/ssrf-guard.ts';
import { isPlainObject, type JsonObject } from '../../../platform/json/json.ts';
import { fillTemplate, type AccountLookup, type ApiAuthorization } from '../../integrations/index.ts';

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

/** What an account lookup may read: the user's inputs, the token answer, the callback's query, the access token. */
export interface AccountSources {
  inputs: Readonly<Record<string, string>>;
  token?: JsonObject | undefined;
  callback?: Readonly<Record<string, string>> | undefined;
  accessToken?: string | undefined;
  tokenType?: string | undefined;
}

const MAX_FIELDS = 32;
const MAX_STRING = 512;
/** Fields that may hold secrets are never copied into providerData, which apps and end users see. */
const SECRET_LOOKING = /token|secret|password|passwd|credential|signature|api_?key|session|cookie/i;

/** The value at a dot path (`account.id`, `items.0.id`), as a string when it is a string or a finite number. */
function valueAt(root: unknown, path: readonly string[]): string | undefined {
  let current: unknown = root;
  for (const part of path) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
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

/** The identity in an answer: the id at `idField` (a dot path), else `sub`, else `id`. */
export function identityFrom(answer: JsonObject, idField?: string): AccountIdentity {
  const providerId = idField ? valueAt(answer, idField.split('.')) : (valueAt(answer, ['sub']) ?? valueAt(answer, ['id']));
  return { providerId: providerId ?? null, providerData: publicFields(answer) };
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

/**
 * The headers that authenticate an API request with a credential, from a provider's
 * `apiAuthorization` template (`Bearer {accessToken}`, Basic with `{apiKey}` …). For the account
 * call here, and for the proxy and workflow steps.
 */
export function apiAuthorizationHeaders(authorization: Readonly<ApiAuthorization>, values: Readonly<Record<string, string>>): Record<string, string> {
  if (authorization.style === 'header') return { [authorization.name.toLowerCase()]: fillTemplate(authorization.format, values) };
  const pair = `${fillTemplate(authorization.username, values)}:${fillTemplate(authorization.password, values)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** Calls an account endpoint and reads its JSON object. */
async function callAccount(outbound: OutboundClient, url: string, init: { method: string; headers: Record<string, string>; body?: string | undefined }): Promise<JsonObject> {
  let response;
  try {
    response = await outbound.request(url, {
      method: init.method,
      headers: { accept: 'application/json', ...init.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: init.body }),
      maxRedirects: 2,
      timeoutMs: 15_000,
      maxResponseBytes: 256 * 1024,
    });
  } catch (error) {
    const reason = error instanceof SsrfBlockedError ? `is not reachable from Portico: ${error.message}` : `could not be reached: ${(error as Error).message}`;
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
  return answer;
}

type CatalogLookup = Extract<AccountLookup, { kind: 'catalog' }>;

/** A built-in provider's account spec: value references, extraction and patterns, then the account call. */
async function catalogIdentity(outbound: OutboundClient, lookup: CatalogLookup, sources: AccountSources): Promise<AccountIdentity> {
  const { spec } = lookup;
  const roots: Record<string, unknown> = { input: sources.inputs, token: sources.token ?? {}, callback: sources.callback ?? {}, account: undefined };
  const resolve = (ref: string) => {
    const [source, ...path] = ref.split('.');
    return valueAt(roots[source!], path);
  };
  const providerData: Record<string, string> = {};
  const readField = (key: string) => {
    const field = spec.providerData[key]!;
    let value = resolve(field.from);
    if (value === undefined) return;
    if (field.extract !== undefined) value = new RegExp(field.extract).exec(value)?.[1];
    if (value === undefined || (field.pattern !== undefined && !new RegExp(field.pattern).test(value))) {
      throw new AccountLookupError(`The provider's ${field.from} does not have the expected form, so its ${key} cannot be used.`);
    }
    providerData[key] = value;
  };
  const keys = Object.keys(spec.providerData);
  for (const key of keys) if (!spec.providerData[key]!.from.startsWith('account.')) readField(key);

  const url = lookup.urlOverride ?? spec.request?.url;
  if (url !== undefined) {
    const values: Record<string, string> = { ...sources.inputs, ...providerData, ...(sources.accessToken === undefined ? {} : { accessToken: sources.accessToken }) };
    let request;
    try {
      const headers: Record<string, string> = {};
      for (const [name, template] of Object.entries({ ...lookup.apiHeaders, ...spec.request?.headers })) headers[name.toLowerCase()] = fillTemplate(template, values);
      Object.assign(headers, apiAuthorizationHeaders(lookup.apiAuthorization, values));
      request = { url: lookup.urlOverride ?? fillTemplate(url, values), init: { method: spec.request?.method ?? 'GET', headers, body: spec.request?.body } };
    } catch (error) {
      throw new AccountLookupError(`The account call cannot be made: ${(error as Error).message}.`);
    }
    roots.account = await callAccount(outbound, request.url, request.init);
  }
  for (const key of keys) if (spec.providerData[key]!.from.startsWith('account.')) readField(key);
  const providerId = resolve(spec.providerId);
  if (providerId === undefined) throw new AccountLookupError(`The provider's answer has no ${spec.providerId}, which identifies the account.`);
  return { providerId, providerData };
}

/**
 * Who the connected account is: read from a custom integration's account (userinfo) endpoint, a
 * built-in provider's account spec, or an OpenID id_token; nothing when none applies.
 */
export async function identifyAccount(outbound: OutboundClient, lookup: AccountLookup, sources: AccountSources): Promise<AccountIdentity> {
  if (lookup.kind === 'catalog') return catalogIdentity(outbound, lookup, sources);
  if (lookup.kind === 'userinfo') {
    if (!sources.accessToken) throw new AccountLookupError('There is no access token to read the account endpoint with.');
    const scheme = !sources.tokenType || /^bearer$/i.test(sources.tokenType) ? 'Bearer' : sources.tokenType;
    const answer = await callAccount(outbound, lookup.url, { method: 'GET', headers: { authorization: `${scheme} ${sources.accessToken}` } });
    const identity = identityFrom(answer, lookup.idField);
    if (identity.providerId === null) {
      throw new AccountLookupError(`The account endpoint's answer has no ${lookup.idField ? `"${lookup.idField}"` : '"sub" or "id"'} field (set auth.accountIdField to the id's path).`);
    }
    return identity;
  }
  const idToken = typeof sources.token?.id_token === 'string' ? sources.token.id_token : undefined;
  return (idToken ? identityFromIdToken(idToken) : undefined) ?? { providerId: null, providerData: {} };
}
