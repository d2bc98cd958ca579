import http from 'node:http';
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
  /**
   * Requests per second across all connections, sent one every 1/rate seconds (open loop: a
   * request's latency counts from when it was due, so time waiting for a free connection counts);
   * undefined for as fast as the server answers.
   */
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
  if (spec.rate) return runPaced(spec, spec.rate, meter);
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

/**
 * A fixed rate, evenly spaced. autocannon's `overallRate` lets each connection send as fast as
 * answered until it has made its share of the second, then wait for the next second: 100/s over 8
 * connections is a burst of 8 concurrent requests for a part of every second, whose latency is 8
 * queued requests, not one search among 100 a second.
 */
async function runPaced(spec: LoadSpec, rate: number, meter: ProcessMeter): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  const send = (due: number, record: (ms: number | undefined, status: number) => void) => {
    const headers = typeof spec.headers === 'function' ? spec.headers() : spec.headers;
    const body = typeof spec.body === 'function' ? spec.body() : spec.body;
    const request = http.request({
      agent, host: url.hostname, port: url.port, method: spec.method ?? 'GET', path: spec.path ? spec.path() : `${url.pathname}${url.search}`,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) }, timeout: 10_000,
    }, (response) => {
      response.resume();
      response.on('end', () => record(performance.now() - due, response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => record(undefined, 0));
    request.end(body);
  };
  const phase = async (seconds: number, record: (ms: number | undefined, status: number) => void) => {
    const interval = 1000 / rate;
    const start = performance.now();
    const total = Math.round(seconds * rate);
    let answered = 0;
    await new Promise<void>((resolve) => {
      const done = (ms: number | undefined, status: number) => {
        record(ms, status);
        if (++answered === total) resolve();
      };
      let sent = 0;
      const tick = () => {
        // Every request due by now (a late timer sends the ones it missed at once).
        while (sent < total && start + sent * interval <= performance.now()) send(start + sent++ * interval, done);
        if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      };
      tick();
    });
    return (performance.now() - start) / 1000;
  };
  try {
    if (spec.warmupSeconds > 0) await phase(spec.warmupSeconds, () => undefined);
    const latencies: number[] = [];
    const statusCodes: Record<string, number> = {};
    let errors = 0;
    meter.start();
    const elapsed = await phase(spec.durationSeconds, (ms, status) => {
      if (ms === undefined) errors += 1;
      else latencies.push(ms);
      if (status !== 0) statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status !== 0 && (status < 200 || status > 299)) errors += 1;
    });
    const { peakRssMb, cpuPercent } = meter.stop();
    const sorted = Float64Array.from(latencies).sort();
    return {
      requests: latencies.length,
      requestsPerSecond: Math.round(latencies.length / elapsed),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      errors,
      statusCodes,
      peakRssMb,
      cpuPercent,
    };
  } finally {
    agent.destroy();
  }
}

