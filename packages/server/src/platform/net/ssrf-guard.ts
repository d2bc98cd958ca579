import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound HTTP that cannot be pointed at Portico's own network: loopback, private, CGNAT,
 * link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), unique-local, multicast,
 * reserved and IPv4-embedding IPv6 ranges are refused unless the caller allows the host. The
 * address that passed the check is the one connected to (the check runs inside the socket's DNS
 * lookup), so a DNS answer that changes between check and connect cannot slip through; every
 * redirect hop is checked again. For the proxy and workflow request steps.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SsrfPolicy {
  /**
   * Hosts this caller may reach even on a private address: exact host names (case-insensitive),
   * IP addresses or CIDR ranges. @default [] @example ["billing.internal", "10.20.0.0/16"]
   */
  allowHosts?: readonly string[];
  /** DNS resolution, replaceable in tests. @default the system resolver (dns.lookup, all answers) */
  resolve?: Resolver;
}

export class SsrfBlockedError extends Error {
  override name = 'SsrfBlockedError';
  /** The error code callers answer with (see errors.ts). */
  readonly code = 'OUTBOUND_REQUEST_BLOCKED';
  constructor(message: string, readonly target: string) {
    super(message);
  }
}

const systemResolve: Resolver = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** The name of the range that makes an address unreachable, or undefined for a public unicast address. */
export function blockedRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  // Everything but plain unicast: also NAT64 (64:ff9b::/96), 6to4 and Teredo, which can embed a private IPv4.
  return range === 'unicast' ? undefined : range;
}

function normalizeHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

function allowedByPolicy(policy: SsrfPolicy, hostname: string, address: string): boolean {
  for (const entry of policy.allowHosts ?? []) {
    const rule = normalizeHost(entry.trim());
    if (rule === hostname) return true;
    if (!ipaddr.isValid(address)) continue;
    try {
      const cidr = rule.includes('/') ? ipaddr.parseCIDR(rule) : ipaddr.isValid(rule) ? ipaddr.parseCIDR(`${rule}/${ipaddr.parse(rule).kind() === 'ipv4' ? 32 : 128}`) : undefined;
      if (!cidr) continue;
      let candidate = ipaddr.parse(address);
      if (candidate.kind() === 'ipv6' && (candidate as ipaddr.IPv6).isIPv4MappedAddress() && cidr[0].kind() === 'ipv4') candidate = (candidate as ipaddr.IPv6).toIPv4Address();
      if (candidate.kind() === cidr[0].kind() && candidate.match(cidr)) return true;
    } catch {
      // not an address rule
    }
  }
  return false;
}

/** Resolves a host name (or takes an IP literal) and refuses it when any answer is in a blocked range. */
export async function resolveAllowed(rawHostname: string, policy: SsrfPolicy = {}): Promise<ResolvedAddress[]> {
  let hostname = normalizeHost(rawHostname);
  // Numeric forms a resolver would also accept ("2130706433", "0x7f.1") are addresses, not names.
  if (!net.isIP(hostname) && ipaddr.isValid(hostname)) hostname = ipaddr.parse(hostname).toString();
  const literal = net.isIP(hostname);
  const answers: ResolvedAddress[] = literal ? [{ address: hostname, family: literal === 6 ? 6 : 4 }] : await (policy.resolve ?? systemResolve)(hostname);
  if (answers.length === 0) throw new SsrfBlockedError(`${hostname} has no address.`, hostname);
  for (const { address } of answers) {
    const range = blockedRange(address);
    if (range && !allowedByPolicy(policy, hostname, address)) {
      throw new SsrfBlockedError(`Requests to ${hostname} are refused: it resolves to ${address} (${range}). Allow the host explicitly to reach it.`, hostname);
    }
  }
  return answers;
}

/** Parses an outbound URL: http or https only; WHATWG parsing turns decimal, octal and hex IPv4 forms into dotted quads. */
export function parseOutboundUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SsrfBlockedError(`"${String(input).slice(0, 200)}" is not a URL.`, String(input).slice(0, 200));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SsrfBlockedError(`Only http and https URLs may be requested, not ${url.protocol}.`, url.href);
  return url;
}

/**
 * A `lookup` for http.request/net.connect that resolves, checks and hands the socket exactly the
 * checked addresses: the connection is pinned to what passed the check.
 */
export function guardedLookup(policy: SsrfPolicy): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (error: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolveAllowed(hostname, policy).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no IPv${String(options.family)} address.`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, wanted);
        return callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, '', 0),
    );
  }) as net.LookupFunction;
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** @default 5 */
  maxRedirects?: number;
  /** Deadline of the whole exchange (connect, send, answer, body), per hop. @default 30000 */
  timeoutMs?: number;
  /** Largest response body read. @default 10485760 */
  maxResponseBytes?: number;
  /** Aborts the exchange (the caller went away). */
  signal?: AbortSignal | undefined;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

/** The answer was larger than `maxResponseBytes`; the connection was cut. */
export class OutboundResponseTooLargeError extends Error {
  override name = 'OutboundResponseTooLargeError';
  constructor(readonly host: string, readonly limit: number) {
    super(`The response from ${host} is larger than ${limit} bytes.`);
  }
}

/** No complete answer within `timeoutMs`; the connection was cut. */
export class OutboundTimeoutError extends Error {
  override name = 'OutboundTimeoutError';
  constructor(readonly host: string, readonly timeoutMs: number) {
    super(`${host} did not answer within ${timeoutMs} ms.`);
  }
}

/** Keep-alive agents whose every new connection resolves through the guard (reused sockets stay pinned to a checked address). */
export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Connection pools for one policy. Idle sockets are closed after 4 s, before the 5 s keep-alive
 * timeout common to servers (Node's default), so a request rarely lands on a socket the server is closing.
 */
export function createGuardedAgents(policy: SsrfPolicy): GuardedAgents {
  const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 256, maxFreeSockets: 64, timeout: 4000, scheduling: 'lifo' as const, lookup: guardedLookup(policy) };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

function exchange(url: URL, init: GuardedRequest, policy: SsrfPolicy, agents: GuardedAgents | undefined): Promise<GuardedResponse> {
  return new Promise((resolve, reject) => {
    const timeoutMs = init.timeoutMs ?? 30_000;
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      lookup: guardedLookup(policy),
      agent: agents ? (secure ? agents.https : agents.http) : false,
      signal: init.signal,
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const limit = init.maxResponseBytes ?? 10 * 1024 * 1024;
      const declared = Number(response.headers['content-length']);
      if (declared > limit) {
        request.destroy(new OutboundResponseTooLargeError(url.host, limit));
        return;
      }
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          request.destroy(new OutboundResponseTooLargeError(url.host, limit));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.href });
      });
      response.on('error', reject);
    });
    const deadline = setTimeout(() => request.destroy(new OutboundTimeoutError(url.host, timeoutMs)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end(init.body);
  });
}

/** An HTTP request whose every hop (redirects included) passes the SSRF checks. */
export async function guardedRequest(input: string | URL, init: GuardedRequest = {}, policy: SsrfPolicy = {}, agents?: GuardedAgents): Promise<GuardedResponse> {
  let url = parseOutboundUrl(input);
  let current: GuardedRequest = { ...init };
  for (let hop = 0; ; hop++) {
    // IP literals never reach the lookup; check them here (host names are checked inside the lookup).
    if (net.isIP(normalizeHost(url.hostname))) await resolveAllowed(url.hostname, policy);
    const response = await exchange(url, current, policy, agents);
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    if (hop >= (init.maxRedirects ?? 5)) throw new SsrfBlockedError(`Too many redirects (more than ${init.maxRedirects ?? 5}).`, url.href);
    const next = parseOutboundUrl(new URL(location, url));
    const keepMethod = response.status === 307 || response.status === 308;
    const headers = { ...current.headers };
    if (next.origin !== url.origin) for (const name of Object.keys(headers)) if (/^(authorization|cookie|proxy-authorization)$/i.test(name)) delete headers[name];
    current = keepMethod ? { ...current, headers } : { ...current, headers, method: 'GET', body: undefined };
    url = next;
  }
}
