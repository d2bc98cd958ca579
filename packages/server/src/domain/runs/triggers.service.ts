import type { Transaction } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import { isUuid, newId, nowIso } from '../../platform/ids.ts';
import type { JobHelpers } from '../../platform/jobs/index.ts';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import { findCredential, selectConfiguration, selectCredential, userCredentials, type Credential, type CredentialConfiguration } from '../connections/index.ts';
import type { ProjectState } from '../projects/index.ts';
import type { ConnectedUser } from '../users/index.ts';
import { permitted } from '../workflows/index.ts';
import { flattenSteps, parseCron, checkTimezone } from '../workflows/index.ts';
import { enqueueExecution, tickJobKey, TICK_JOB } from '../workflows/index.ts';
import type { TriggerInput } from './engine.ts';
import { isEnabledIn } from './gates.ts';
import * as repo from '../workflows/index.ts';
import { render } from '../workflows/index.ts';
import type { Workflow } from '../workflows/index.ts';
import type { ExecutionStatus, WorkflowExecutionTable } from '../workflows/index.ts';

/** The most bytes of a trigger's input (event payload, request body) a run keeps. */
export const MAX_TRIGGER_INPUT_BYTES = 256 * 1024;

interface NewExecution {
  workflow: Workflow;
  user: ConnectedUser;
  credentialId: string | null;
  configId: string | null;
  input: TriggerInput;
  status?: ExecutionStatus;
  dedupeKey?: string;
  replayOf?: string;
}

/** Stores an execution and queues its run in `trx`; undefined when its dedupe key already started one. */
export async function startExecution(ctx: AppContext, trx: Transaction<Database>, input: NewExecution): Promise<string | undefined> {
  const now = nowIso();
  const status = input.status ?? 'QUEUED';
  const row: WorkflowExecutionTable = {
    id: newId(),
    project_id: input.workflow.projectId,
    workflow_id: input.workflow.id,
    user_id: input.user.id,
    end_user_id: input.user.userId,
    integration_id: input.workflow.integrationId,
    credential_id: input.credentialId,
    config_id: input.configId,
    trigger_type: input.workflow.definition.trigger.type,
    status,
    trigger_input: JSON.stringify(input.input),
    response: null,
    context: null,
    error: status === 'DELAYED' ? "The user's account cannot be reached; the run waits for it to be reconnected." : null,
    error_code: status === 'DELAYED' ? 'CREDENTIAL_INVALID' : null,
    dedupe_key: input.dedupeKey ?? null,
    replay_of: input.replayOf ?? null,
    task_count: 0,
    created_at: now,
    started_at: null,
    ended_at: null,
    updated_at: now,
  };
  if (!(await repo.insertExecution(trx, row))) return undefined;
  if (status === 'QUEUED') await enqueueExecution(ctx.jobs, row.id, { trx });
  return row.id;
}

function checkInputSize(value: unknown, what: string): void {
  const size = Buffer.byteLength(JSON.stringify(value ?? null));
  if (size > MAX_TRIGGER_INPUT_BYTES) throw AppError.from('BODY_TOO_LARGE', `The ${what} is ${size} bytes; workflows accept at most ${MAX_TRIGGER_INPUT_BYTES}.`, { limit: MAX_TRIGGER_INPUT_BYTES });
}

/**
 * An App Event: every workflow of the project triggered by this event name that the user has
 * enabled (in the selected credential and configuration, when the SDK names them) gets a run.
 * A run for an INVALID credential waits (DELAYED) and starts when the account is reconnected.
 */
export async function triggerAppEvent(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  event: { name: string; payload: unknown },
  refs: { credential?: string | undefined; configuration?: string | undefined },
): Promise<string[]> {
  checkInputSize(event.payload, 'event payload');
  const workflows = state.workflows.filter((w) => w.definition.trigger.type === 'event' && w.definition.trigger.event === event.name);
  if (workflows.length === 0) return [];
  let credentials = await userCredentials(ctx.store.db, user);
  if (refs.credential) credentials = [findCredential(credentials, refs.credential)];
  const runs: Array<{ workflow: Workflow; credential: Credential; configuration: CredentialConfiguration }> = [];
  for (const workflow of workflows) {
    if (!permitted(workflow.definition.permissions, user.meta)) continue;
    for (const credential of credentials) {
      if (credential.integrationId !== workflow.integrationId || credential.status === 'PENDING') continue;
      const configurations = refs.configuration ? [selectConfiguration(credential, refs.configuration)] : credential.configurations;
      for (const configuration of configurations) {
        if (isEnabledIn(workflow, configuration)) runs.push({ workflow, credential, configuration });
      }
    }
  }
  if (runs.length === 0) return [];
  const ids: string[] = [];
  await ctx.events.transaction(async (trx) => {
    for (const run of runs) {
      const id = await startExecution(ctx, trx, {
        workflow: run.workflow,
        user,
        credentialId: run.credential.id,
        configId: run.configuration.id,
        input: { event: event.payload ?? {} },
        status: run.credential.status === 'INVALID' ? 'DELAYED' : 'QUEUED',
      });
      if (id) ids.push(id);
    }
  });
  return ids;
}

/** Whether a workflow answers its Request trigger with a Response step (somewhere in its steps). */
export function hasResponseStep(workflow: Workflow): boolean {
  return flattenSteps(workflow.definition.steps).some((step) => step.type === 'response');
}

/** A Request trigger: checks the workflow can run for this user now, and queues the run. */
export async function triggerRequest(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  workflowId: string,
  request: NonNullable<TriggerInput['request']>,
  refs: { credential?: string | undefined; configuration?: string | undefined },
): Promise<{ executionId: string; workflow: Workflow }> {
  const workflow = isUuid(workflowId) ? state.workflowsById.get(workflowId.toLowerCase()) : undefined;
  if (!workflow) throw AppError.from('WORKFLOW_NOT_FOUND', `No workflow "${workflowId.slice(0, 80)}" in this project.`);
  if (workflow.definition.trigger.type !== 'request') {
    throw AppError.from('WORKFLOW_TRIGGER_MISMATCH', `"${workflow.name}" has a ${workflow.definition.trigger.type} trigger; only Request-triggered workflows answer POST /sdk/triggers/{workflowId}.`);
  }
  checkInputSize(request.body, 'request body');
  const integration = state.integrationsById.get(workflow.integrationId);
  if (!integration) throw AppError.from('WORKFLOW_NOT_FOUND');
  const credential = selectCredential(await userCredentials(ctx.store.db, user), integration, refs.credential);
  const configuration = selectConfiguration(credential, refs.configuration);
  if (!permitted(workflow.definition.permissions, user.meta)) throw AppError.from('WORKFLOW_NOT_PERMITTED');
  if (!isEnabledIn(workflow, configuration)) throw AppError.from('WORKFLOW_NOT_ENABLED', `The user has not enabled "${workflow.name}".`);
  if (credential.status !== 'VALID') {
    throw AppError.from('CREDENTIAL_NOT_VALID', `The user's ${integration.name} account is ${credential.status}; they must reconnect it first.`, { credentialId: credential.id, credentialStatus: credential.status });
  }
  let executionId: string | undefined;
  await ctx.events.transaction(async (trx) => {
    executionId = await startExecution(ctx, trx, { workflow, user, credentialId: credential.id, configId: configuration.id, input: { request } });
  });
  return { executionId: executionId!, workflow };
}

// ---------------------------------------------------------------------------------------------
// Schedules: one tick job per (workflow, configuration) at a time, keyed by the tick's moment, so
// any number of nodes (and a re-enable while the old chain is queued) agree on one run per tick.

export interface TickPayload {
  projectId: string;
  workflowId: string;
  userId: string;
  credentialId: string;
  configId: string;
  /** The tick's moment, ms since the epoch. */
  at: number;
}

const tickKey = (p: Pick<TickPayload, 'workflowId' | 'configId' | 'at'>) => tickJobKey(p);

function zoneOf(workflow: Workflow, user: ConnectedUser): string {
  const trigger = workflow.definition.trigger;
  if (trigger.type !== 'schedule') return 'UTC';
  const written = trigger.timezone ?? 'UTC';
  if (!written.includes('{{')) return written;
  try {
    const zone = render(written, { user: { id: user.userId, meta: user.meta }, settings: {}, steps: {}, credential: { providerId: null } });
    return typeof zone === 'string' && checkTimezone(zone) ? zone : 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The next tick of a schedule workflow for this user after `after` (ms). */
export function nextTick(workflow: Workflow, user: ConnectedUser, after: number): number | undefined {
  const trigger = workflow.definition.trigger;
  if (trigger.type !== 'schedule') return undefined;
  return parseCron(trigger.cron, zoneOf(workflow, user)).nextRun(new Date(after))?.getTime();
}

/** Queues the next tick of a schedule workflow for one configuration (nothing if it is queued already). */
export async function ensureTick(
  ctx: AppContext,
  workflow: Workflow,
  user: ConnectedUser,
  credentialId: string,
  configId: string,
  options: { after?: number; trx?: Transaction<Database> } = {},
): Promise<void> {
  const at = nextTick(workflow, user, Math.max(options.after ?? 0, Date.now()));
  if (at === undefined) return;
  const payload: TickPayload = { projectId: workflow.projectId, workflowId: workflow.id, userId: user.id, credentialId, configId, at };
  await ctx.jobs.enqueue(TICK_JOB, payload, { key: tickKey(payload), runAt: new Date(at), maxAttempts: 5, ...(options.trx ? { trx: options.trx } : {}) });
}

/**
 * One tick: while the workflow is still a schedule enabled in this configuration, the run starts
 * (once per tick: the execution's dedupe key) when the gates are open, and the next tick is queued
 * in the same transaction that completes this job. A disabled user or an INVALID account skips the
 * tick but keeps the schedule, so enabling or reconnecting resumes it.
 */
export async function runTick(ctx: AppContext, payload: TickPayload, helpers: JobHelpers, findUser: (id: string) => Promise<ConnectedUser | undefined>): Promise<void> {
  const state = await ctx.projects.get(payload.projectId);
  const workflow = state?.workflowsById.get(payload.workflowId);
  if (!state || !workflow || workflow.definition.trigger.type !== 'schedule') return;
  const user = await findUser(payload.userId);
  if (!user) return;
  const credential = (await userCredentials(ctx.store.db, user)).find((c) => c.id === payload.credentialId);
  const configuration = credential?.configurations.find((c) => c.id === payload.configId);
  if (!credential || !configuration || !isEnabledIn(workflow, configuration)) return; // disabled or uninstalled: the schedule ends
  const runs = user.active && credential.status === 'VALID' && permitted(workflow.definition.permissions, user.meta);
  await helpers.complete(async (trx) => {
    if (runs) {
      await startExecution(ctx, trx as Transaction<Database>, {
        workflow,
        user,
        credentialId: credential.id,
        configId: configuration.id,
        input: { event: { scheduledAt: new Date(payload.at).toISOString() } },
        dedupeKey: tickKey(payload),
      });
    }
    await ensureTick(ctx, workflow, user, credential.id, configuration.id, { after: payload.at, trx: trx as Transaction<Database> });
  });
}
