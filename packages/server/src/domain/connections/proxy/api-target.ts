import { AppError } from '../../../platform/errors.ts';
import { fillTemplate, placeholders, type ApiAccess } from '../../integrations/index.ts';

/** Where a request is aimed: a path (with its query) under the API base URL, or a full URL. */
export type ApiTarget = { path: string } | { url: string };

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/**
 * A path segment that holds a `.` or `..` step once percent-decoded, also between encoded slashes
 * or backslashes (`..%2f..`, `..%5c..`): URL parsers resolve `%2e%2e`, and some servers decode
 * `%2f` and `%5c` into separators.
 */
function climbs(segment: string): boolean {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // not valid percent-encoding: checked as written
  }
  return decoded.split(/[\\/]/).some((step) => step === '.' || step === '..');
}

/**
 * The API base URL of a credential: the template filled with its inputs and providerData, each
 * value first checked against the pattern its input or field declares (an imported credential's
 * providerData was never checked, and a value must never move the URL to another host).
 */
export function resolveBaseUrl(access: ApiAccess, values: Readonly<Record<string, string>>): URL {
  for (const name of placeholders(access.baseUrl)) {
    const value = values[name];
    const pattern = access.placeholderPatterns[name];
    if (value === undefined || pattern === undefined || !new RegExp(pattern).test(value)) {
      throw AppError.from('CREDENTIAL_DATA_INVALID', `The credential's "${name}" ${value === undefined ? 'is missing' : 'does not have the expected form'}, so the API URL ${access.baseUrl} cannot be built; reconnect the account.`, { placeholder: name });
    }
  }
  let base: URL;
  try {
    base = new URL(fillTemplate(access.baseUrl, values));
  } catch {
    throw AppError.from('CREDENTIAL_DATA_INVALID', `The API URL ${access.baseUrl} filled with this credential's values is not a URL; reconnect the account.`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw AppError.from('CREDENTIAL_DATA_INVALID', `The API URL of this integration is not http(s): ${base.protocol}.`);
  base.search = '';
  base.hash = '';
  return base;
}

function notAllowed(message: string, meta: Record<string, unknown> = {}): AppError {
  return AppError.from('INTEGRATION_API_URL_NOT_ALLOWED', message, meta);
}

/** A full URL given by the caller: only on the API's origin, or on one of the provider's listed API origins. */
function absoluteTarget(raw: string, base: URL, extraOrigins: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notAllowed(`"${raw.slice(0, 200)}" is not a URL.`);
  }
  if (url.username || url.password) throw notAllowed('The URL may not carry a user name or password.');
  if (url.origin !== base.origin && !extraOrigins.includes(url.origin)) {
    throw notAllowed(`${url.origin} is not this integration's API (${base.origin}); only its own origin may be called.`, { origin: url.origin, allowed: [base.origin, ...extraOrigins] });
  }
  url.hash = '';
  return url;
}

/**
 * A path (with query) appended to the base URL, percent-encoding kept as the caller wrote it. It
 * must stay under the base path: `.` and `..` steps (plain or encoded) are refused, and the
 * parsed result is checked again, so backslashes or anything else a URL parser rewrites cannot
 * climb out or change the host.
 */
function pathTarget(raw: string, base: URL): URL {
  const queryAt = raw.search(/[?#]/);
  const pathPart = (queryAt === -1 ? raw : raw.slice(0, queryAt)).replace(/\\/g, '/');
  const query = queryAt === -1 ? '' : raw.slice(queryAt).replace(/#.*$/, '');
  if (pathPart.split('/').some(climbs)) {
    throw AppError.from('INTEGRATION_API_PATH_INVALID', `The path "${pathPart.slice(0, 200)}" has "." or ".." segments; give a path under the API base URL ${base.href}.`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const relative = pathPart.replace(/^\/+/, '');
  let url: URL;
  try {
    url = new URL(`${base.origin}${basePath}/${relative}${query}`);
  } catch {
    throw AppError.from('INTEGRATION_API_PATH_INVALID', `The path "${pathPart.slice(0, 200)}" does not make a URL under ${base.href}.`);
  }
  if (url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) {
    throw AppError.from('INTEGRATION_API_PATH_INVALID', `The path "${pathPart.slice(0, 200)}" leaves the API base URL ${base.href}.`);
  }
  return url;
}

/** The URL a request goes to; refused unless it is on the integration's API. */
export function targetUrl(target: ApiTarget, base: URL, extraOrigins: readonly string[]): URL {
  const raw = 'url' in target ? target.url.trim() : target.path;
  // Paragon accepts a full URL in place of the path (`/sdk/proxy/googledrive/https://sheets…`).
  const unslashed = raw.replace(/^\/+/, '');
  if (ABSOLUTE.test(unslashed) && /^https?:\/\//i.test(unslashed)) return absoluteTarget(unslashed, base, extraOrigins);
  if ('url' in target && ABSOLUTE.test(unslashed)) throw notAllowed(`Only http(s) URLs may be called, not "${unslashed.slice(0, 40)}".`);
  return pathTarget(raw, base);
}
