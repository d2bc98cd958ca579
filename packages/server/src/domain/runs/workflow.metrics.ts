import { Counter, Gauge, Histogram } from 'prom-client';
import { registerOnce, type Registry } from '../../platform/metrics/registry.ts';
import type { AppStore } from '../database.ts';
import { queuedDepth } from '../workflows/index.ts';

export interface WorkflowMetrics {
  started(trigger: string): void;
  ended(status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'): void;
  step(type: string, outcome: 'SUCCEEDED' | 'FAILED', startedMs: number): void;
}

const byRegistry = new WeakMap<Registry, WorkflowMetrics>();

/** Workflow runs on `registry`; the queued depth is read from the store at each scrape. */
export function workflowMetrics(registry: Registry, store?: AppStore): WorkflowMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createWorkflowMetrics(registry, store);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createWorkflowMetrics(registry: Registry, store: AppStore | undefined): WorkflowMetrics {
  const started = registerOnce(registry, 'portico_workflow_runs_started_total', () => new Counter({
    name: 'portico_workflow_runs_started_total',
    help: 'Workflow runs that began executing on this node, by trigger type.',
    labelNames: ['trigger'],
    registers: [],
  }));
  const ended = registerOnce(registry, 'portico_workflow_runs_finished_total', () => new Counter({
    name: 'portico_workflow_runs_finished_total',
    help: 'Workflow runs that ended on this node, by status (SUCCEEDED, FAILED, CANCELLED).',
    labelNames: ['status'],
    registers: [],
  }));
  const steps = registerOnce(registry, 'portico_workflow_step_duration_seconds', () => new Histogram({
    name: 'portico_workflow_step_duration_seconds',
    help: 'Duration of workflow steps, by step type and outcome.',
    labelNames: ['type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  }));
  if (store) {
    registerOnce(registry, 'portico_workflow_runs_queued', () => new Gauge({
      name: 'portico_workflow_runs_queued',
      help: 'Workflow executions waiting to start (QUEUED), in the whole store.',
      registers: [],
      async collect() {
        this.set(await queuedDepth(store.db));
      },
    }));
  }
  return {
    started: (trigger) => started.inc({ trigger }),
    ended: (status) => ended.inc({ status }),
    step: (type, outcome, startedMs) => steps.observe({ type, outcome }, (performance.now() - startedMs) / 1000),
  };
}
