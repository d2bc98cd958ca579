import type { Kysely } from 'kysely';
import type { JobQueue } from '../../platform/jobs/index.ts';

/** Runs one workflow execution (its steps, in order); keyed by the execution, so it is queued once. */
export const RUN_JOB = 'portico.workflows.run';

/** The durable consumer that turns changes (installs, enables, recoveries, metadata) into workflow work. */
export const GATING_CONSUMER = 'workflows.gating';
/** Handles one change the gating consumer picked (keyed by the event, so it is handled once). */
export const GATE_JOB = 'portico.workflows.gate';
/** One schedule tick of one workflow for one user configuration. */
export const TICK_JOB = 'portico.workflows.tick';

/** The key of the gate job of one outbox event. */
export const gateJobKey = (eventId: string) => `wf-gate:${eventId}`;
/** The key of one schedule tick of a workflow in a user configuration. */
export const tickJobKey = (p: { workflowId: string; configId: string; at: number }) => `wf-tick:${p.workflowId}:${p.configId}:${p.at}`;
/** LIKE pattern of every tick key of one user configuration (erasure). */
export const tickJobKeysOfConfig = (configId: string) => `wf-tick:%:${configId}:%`;

export interface RunPayload {
  executionId: string;
}

/** Queues the run of a stored execution, inside the caller's transaction when given one. */
export async function enqueueExecution(jobs: JobQueue, executionId: string, options: { trx?: Kysely<any>; runAt?: Date; round?: number } = {}): Promise<void> {
  await jobs.enqueue<RunPayload>(RUN_JOB, { executionId }, {
    key: `wf-run:${executionId}:${options.round ?? 0}`,
    maxAttempts: 8,
    ...(options.trx ? { trx: options.trx } : {}),
    ...(options.runAt ? { runAt: options.runAt } : {}),
  });
}
