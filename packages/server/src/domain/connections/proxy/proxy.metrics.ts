import { Counter, Histogram } from 'prom-client';
import { registerOnce, type Registry } from '../../../platform/metrics/registry.ts';

export interface ProxyMetrics {
  /** One call ended: `status` is the provider's HTTP status, or Portico's error code when it refused or failed the call. */
  observe(integrationType: string, status: string, startedMs: number): void;
}

/** Custom types are named by each project; one label value for all of them keeps the series bounded. */
const integrationLabel = (type: string) => (type.startsWith('custom.') ? 'custom' : type);

const byRegistry = new WeakMap<Registry, ProxyMetrics>();

/** Calls to integrations' APIs (the Connect proxy, workflow request steps) on `registry`. */
export function proxyMetrics(registry: Registry): ProxyMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createProxyMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createProxyMetrics(registry: Registry): ProxyMetrics {
  const calls = registerOnce(registry, 'portico_proxy_requests_total', () => new Counter({
    name: 'portico_proxy_requests_total',
    help: "Calls to integrations' APIs, by integration type (custom integrations as \"custom\") and the provider's status or Portico's error code.",
    labelNames: ['integration', 'status'],
    registers: [],
  }));
  const duration = registerOnce(registry, 'portico_proxy_request_duration_seconds', () => new Histogram({
    name: 'portico_proxy_request_duration_seconds',
    help: "Duration of calls to integrations' APIs, refresh and retry included.",
    labelNames: ['integration'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  }));
  return {
    observe(integrationType, status, startedMs) {
      const integration = integrationLabel(integrationType);
      calls.inc({ integration, status });
      duration.observe({ integration }, (performance.now() - startedMs) / 1000);
    },
  };
}
