import autocannon, { type AutocannonRequest } from 'autocannon';
import type { ProcessMeter } from './machine.ts';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'PATCH' | 'POST';
  /** Fixed headers, or a function called for every request (a fresh token, a random user). */
  headers: Record<string, string> | (() => Record<string, string>);
  body?: string | (() => string);
  /** A path (and query) per request, replacing the URL's; for requests that differ by query. */
  path?: () => string;
  connections: number;
  /** Requests per second across all connections (open loop), or undefined for as fast as the server answers. */
  rate?: number | undefined;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  statusCodes: Record<string, number>;
  peakRssMb: number;
  cpuPercent: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 100) / 100;
}

function request(spec: LoadSpec): AutocannonRequest {
  const method = spec.method ?? 'GET';
  const { headers, body, path } = spec;
  if (typeof headers !== 'function' && typeof body !== 'function' && path === undefined) return { method, headers, ...(body === undefined ? {} : { body }) };
  return {
    method,
    setupRequest(req) {
      if (path) req.path = path();
      req.headers = typeof headers === 'function' ? headers() : headers;
      if (body !== undefined) req.body = typeof body === 'function' ? body() : body;
      return req;
    },
  };
}

async function run(spec: LoadSpec, seconds: number, latencies?: number[]) {
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [request(spec)],
  });
  if (latencies) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  return instance;
}

/**
 * Warm-up (not recorded), then the measured run. Latencies come from every response at full
 * precision (autocannon's own histogram rounds to whole milliseconds).
 */
export async function runLoad(spec: LoadSpec, meter: ProcessMeter): Promise<LoadResult> {
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const latencies: number[] = [];
  meter.start();
  const result = await run(spec, spec.durationSeconds, latencies);
  const { peakRssMb, cpuPercent } = meter.stop();
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors: result.errors + result.timeouts + result.non2xx,
    statusCodes,
    peakRssMb,
    cpuPercent,
  };
}
