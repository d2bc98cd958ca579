import { Registry, type Metric } from 'prom-client';

export type { Registry };

/**
 * The process's metrics registry, created once at boot and passed to each room that adds metrics
 * (never prom-client's global registry, so tests and several instances in one process stay apart).
 */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

/** The metric already registered under `name`, or a new one registered now. */
export function registerOnce<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as M;
  const metric = create();
  registry.registerMetric(metric);
  return metric;
}

/** Prometheus text exposition of everything in the registry. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
