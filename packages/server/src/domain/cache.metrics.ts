import { Counter } from 'prom-client';
import { registerOnce, type Registry } from '../platform/metrics/registry.ts';

interface CacheStats {
  hits: number;
  misses: number;
  admitted: number;
  firstSight: number;
}

/**
 * The per-node caches of the Connect API's hot path on `registry`, read from each cache on a scrape
 * (nothing is counted through prom-client per request): `user_token` (verified User Tokens) and
 * `user_answer` (`GET /sdk/me` and `GET /sdk/integrations` bodies).
 */
export function registerCacheMetrics(registry: Registry, caches: Readonly<Record<'user_token' | 'user_answer', { stats(): CacheStats }>>): void {
  const each = (read: (stats: CacheStats) => Record<string, number>) => function (this: Counter<'cache' | 'result'>) {
    this.reset();
    for (const [cache, source] of Object.entries(caches)) {
      for (const [result, value] of Object.entries(read(source.stats()))) this.inc({ cache, result }, value);
    }
  };
  registerOnce(registry, 'portico_cache_lookups_total', () => new Counter({
    name: 'portico_cache_lookups_total',
    help: 'Lookups in the per-node caches of the Connect API, by cache and result (hit or miss).',
    labelNames: ['cache', 'result'],
    registers: [],
    collect: each((stats) => ({ hit: stats.hits, miss: stats.misses })),
  }));
  registerOnce(registry, 'portico_cache_admissions_total', () => new Counter({
    name: 'portico_cache_admissions_total',
    help: 'Values offered to the per-node caches after a miss: kept (result="admitted", the key was seen lately) or not (result="first_sight").',
    labelNames: ['cache', 'result'],
    registers: [],
    collect: each((stats) => ({ admitted: stats.admitted, first_sight: stats.firstSight })),
  }));
}
