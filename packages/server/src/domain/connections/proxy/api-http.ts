import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers never passed on to the integration: the caller's own credentials (the User Token,
 * cookies), Portico's `X-Paragon-*` controls, hop-by-hop headers, what a browser adds about the
 * page it runs in, and forwarding headers that would reveal the caller or Portico's network.
 */
const NOT_FORWARDED = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'host', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'proxy-connection', 'content-length', 'expect', 'accept-encoding', 'origin', 'referer', 'forwarded', 'via',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip', 'priority',
]);
const NOT_FORWARDED_PREFIXES = ['x-paragon-', 'sec-', 'access-control-request-'];

/** Response headers a raw answer does not repeat: hop-by-hop, cookies, CORS (Portico's own apply), and browser login prompts. */
const NOT_RETURNED = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-connection',
  'content-length', 'set-cookie', 'set-cookie2', 'www-authenticate', 'strict-transport-security', 'alt-svc', 'clear-site-data',
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods',
  'access-control-expose-headers', 'access-control-max-age', 'date', 'server',
]);

/** The caller's headers worth passing on to the integration, lowercased. */
export function forwardedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const listedInConnection = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((name) => name.trim()).filter(Boolean));
  const forwarded: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (value === undefined || NOT_FORWARDED.has(name) || listedInConnection.has(name)) continue;
    if (NOT_FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    forwarded[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return forwarded;
}

/** The integration's response headers a raw answer passes back. */
export function returnedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const returned: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_RETURNED.has(name)) continue;
    returned[name] = value;
  }
  return returned;
}

/** `Content-Type: auto` (what the SDK sends by default): JSON when the body is a JSON object or array, else text. */
export function inferContentType(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8').trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      JSON.parse(text);
      return 'application/json';
    } catch {
      // not JSON after all
    }
  }
  return 'text/plain; charset=utf-8';
}

/** A request body as bytes: raw bytes as given, text as UTF-8, anything else as JSON. */
export function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b|^text\/json\b/i;

/** Whether the answer is JSON: declared so, or undeclared and parsing as JSON. */
function jsonText(headers: IncomingHttpHeaders, text: string): boolean {
  const type = headers['content-type'];
  if (type !== undefined && !JSON_TYPE.test(type)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What `{ output }` holds: the parsed JSON when the integration answered JSON, else its text ("" when empty). */
export function outputOf(headers: IncomingHttpHeaders, body: Buffer): unknown {
  const text = body.toString('utf8');
  return text !== '' && jsonText(headers, text) ? (JSON.parse(text) as unknown) : text;
}

/**
 * `output` as JSON text: the integration's own JSON text spliced in unchanged when it answered
 * JSON (large integer ids keep every digit), else its text as a JSON string.
 */
export function outputJson(headers: IncomingHttpHeaders, body: Buffer): string {
  const text = body.toString('utf8');
  return text !== '' && jsonText(headers, text) ? text.trim() : JSON.stringify(text);
}
