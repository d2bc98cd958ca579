import { Counter, Gauge, Histogram } from 'prom-client';
import { registerOnce, type Registry } from '../metrics/registry.ts';
import type { JobState } from './jobs.table.ts';

const STATES: readonly JobState[] = ['queued', 'running', 'dead'];

export interface JobMetrics {
  /** A run began `latencySeconds` after its job was due. */
  started(name: string, latencySeconds: number): void;
  finished(name: string, outcome: 'succeeded' | 'failed' | 'dead', durationSeconds: number): void;
  /** Runs whose lease expired (their worker vanished), requeued or dead. */
  lost(name: string, outcome: 'failed' | 'dead'): void;
}

/**
 * Job metrics on `registry`. The depth gauge runs `countByState` (one grouped query) on each scrape
 * and keeps the last values if the database does not answer.
 */
export function createJobMetrics(registry: Registry, countByState: () => Promise<Map<JobState, number>>): JobMetrics {
  registerOnce(registry, 'portico_jobs', () => new Gauge({
    name: 'portico_jobs',
    help: 'Jobs stored per state (queued includes jobs waiting for a retry); succeeded jobs are not counted.',
    labelNames: ['state'],
    registers: [],
    async collect() {
      try {
        const counts = await countByState();
        for (const state of STATES) this.set({ state }, counts.get(state) ?? 0);
      } catch {
        // Keep the previous values; the scrape itself should not fail because the database is slow.
      }
    },
  }));
  const latency = registerOnce(registry, 'portico_job_start_latency_seconds', () => new Histogram({
    name: 'portico_job_start_latency_seconds',
    help: 'Time from when a job was due (run_at) to when a worker started it.',
    labelNames: ['name'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [],
  }));
  const duration = registerOnce(registry, 'portico_job_duration_seconds', () => new Histogram({
    name: 'portico_job_duration_seconds',
    help: 'Time a job handler ran, per outcome.',
    labelNames: ['name', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [],
  }));
  const counter = (name: string, help: string) =>
    registerOnce(registry, name, () => new Counter({ name, help, labelNames: ['name'], registers: [] }));
  const succeeded = counter('portico_jobs_succeeded_total', 'Job runs that succeeded.');
  const failed = counter('portico_jobs_failed_total', 'Job runs that failed (or lost their worker) and will be retried.');
  const dead = counter('portico_jobs_dead_total', 'Jobs that went dead: their last attempt failed.');
  const outcomes = { succeeded, failed, dead };

  return {
    started(name, latencySeconds) {
      latency.observe({ name }, Math.max(0, latencySeconds));
    },
    finished(name, outcome, durationSeconds) {
      duration.observe({ name, outcome }, durationSeconds);
      outcomes[outcome].inc({ name });
    },
    lost(name, outcome) {
      outcomes[outcome].inc({ name });
    },
  };
}
