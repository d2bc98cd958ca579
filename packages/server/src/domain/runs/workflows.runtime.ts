import type { Transaction } from 'kysely';
import type { AnyStoredEvent } from '../../platform/events/index.ts';
import { nowIso } from '../../platform/ids.ts';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import { systemActor, type PorticoEvents } from '../events.ts';
import { userCredentials } from '../connections/index.ts';
import { findUser, findUserById } from '../users/index.ts';
import { permitted } from '../workflows/index.ts';
import { runExecutionJob } from './engine.ts';
import { enqueueExecution, gateJobKey, GATE_JOB, GATING_CONSUMER, RUN_JOB, TICK_JOB, type RunPayload } from '../workflows/index.ts';
import * as repo from '../workflows/index.ts';
import { isEnabledIn } from './gates.ts';
import { ensureTick, runTick, startExecution, type TickPayload } from './triggers.service.ts';
import { setWorkflowEnabled, switchOffUnlessSwitchedSince } from '../workflows/index.ts';
import { enabledStatesOfWorkflow } from '../workflows/index.ts';
import { workflowMetrics } from './workflow.metrics.ts';

/** The changes workflows react to. */
const GATING_EVENTS = new Set<string>([
  'integration.installed', 'integration.uninstalled', 'credential.recovered', 'workflow.enabled', 'workflow.disabled',
  'user.disabled', 'user.metadata.updated', 'project.changed',
]);

interface GatePayload {
  id: string;
  type: string;
  projectId: string;
  userId: string | null;
  data: Record<string, unknown>;
  /** When the change was recorded (absent in jobs queued before it was carried). */
  at?: string;
}

/** Cancels runs that have not started (or wait for a credential). */
async function cancelPending(ctx: AppContext, filter: repo.PendingFilter, reason: string): Promise<void> {
  const pending = await repo.pendingExecutions(ctx.store.db, filter);
  const now = nowIso();
  await repo.setStatusOf(ctx.store.db, pending.map((p) => p.id), ['QUEUED', 'DELAYED'], { status: 'CANCELLED', error: reason, error_code: 'GATE_CLOSED', ended_at: now, updated_at: now });
}

/** What one change means for workflows; runs as a job, once per event. */
async function handleChange(ctx: AppContext, event: GatePayload): Promise<void> {
  const state = await ctx.projects.get(event.projectId);
  if (!state) return;
  if (event.type === 'project.changed') {
    if (event.data.what !== 'workflows') return;
    // A workflow that became a schedule (or changed its cron) ticks for everyone who has it on.
    for (const workflow of state.workflows) {
      if (workflow.definition.trigger.type !== 'schedule') continue;
      for (const row of await enabledStatesOfWorkflow(ctx.store.db, workflow.id)) {
        const user = await findUserById(ctx, row.user_id);
        const credential = user && (await userCredentials(ctx.store.db, user)).find((c) => c.configurations.some((k) => k.id === row.config_id));
        if (user && credential) await ensureTick(ctx, workflow, user, credential.id, row.config_id);
      }
    }
    return;
  }
  if (event.userId === null) return;
  const user = await findUser(ctx, event.projectId, event.userId);
  if (!user) return;
  const data = event.data;
  switch (event.type) {
    case 'integration.installed': {
      const credential = (await userCredentials(ctx.store.db, user)).find((c) => c.id === data.credentialId);
      if (!credential) return;
      for (const workflow of state.workflowsByIntegration.get(credential.integrationId) ?? []) {
        for (const configuration of credential.configurations) {
          if (!isEnabledIn(workflow, configuration)) continue;
          const trigger = workflow.definition.trigger.type;
          if (trigger === 'schedule') await ensureTick(ctx, workflow, user, credential.id, configuration.id);
          if (trigger === 'integration_enabled' && credential.status === 'VALID' && permitted(workflow.definition.permissions, user.meta)) {
            await ctx.events.transaction(async (trx) => {
              await startExecution(ctx, trx, {
                workflow, user, credentialId: credential.id, configId: configuration.id,
                input: { event: { integration: credential.integrationId, credentialId: credential.id } },
                dedupeKey: `wf-enabled:${workflow.id}:${configuration.id}`,
              });
            });
          }
        }
      }
      return;
    }
    case 'workflow.enabled': {
      const workflow = state.workflowsById.get(String(data.workflowId));
      if (workflow?.definition.trigger.type === 'schedule') await ensureTick(ctx, workflow, user, String(data.credentialId), String(data.configurationId));
      return;
    }
    case 'workflow.disabled':
      return cancelPending(ctx, { projectId: event.projectId, userId: user.id, workflowId: String(data.workflowId), configId: String(data.configurationId) }, 'The workflow was disabled for this user.');
    case 'integration.uninstalled':
      return cancelPending(ctx, { projectId: event.projectId, userId: user.id, credentialIds: (data.credentialIds as string[] | undefined) ?? [] }, 'The integration was disconnected.');
    case 'user.disabled':
      return cancelPending(ctx, { projectId: event.projectId, userId: user.id }, 'The user was disabled.');
    case 'credential.recovered': {
      // Runs that waited for the account go on, each as a new job of the same execution.
      const waiting = await repo.pendingExecutions(ctx.store.db, { projectId: event.projectId, userId: user.id, credentialIds: [String(data.credentialId)] }, ['DELAYED']);
      for (const run of waiting) {
        await ctx.events.transaction(async (trx) => {
          const now = nowIso();
          await repo.setStatusOf(trx, [run.id], ['DELAYED'], { status: 'QUEUED', error: null, error_code: null, updated_at: now });
          await enqueueExecution(ctx.jobs, run.id, { trx, round: Date.now() });
        });
      }
      return;
    }
    case 'user.metadata.updated': {
      // Workflow Permissions are re-evaluated: enabled workflows the user no longer matches are switched off.
      // A workflow switched on or off since this change (`enabled_at`, which a settings save does
      // not move; the same millisecond counts as since) is not this change's to switch off: a
      // later metadata change re-checks it, and runs check permissions themselves. Without that,
      // a late job undid an enable that followed the change.
      // Whether it was switched since is decided under the configuration's lock, with the user's
      // metadata read afresh (switchOffUnlessSwitchedSince): the reads here may be a moment old.
      const guarded = state.workflows.filter((w) => w.definition.permissions.length > 0);
      if (guarded.length === 0 || permittedAll(guarded, user.meta)) return;
      for (const credential of await userCredentials(ctx.store.db, user)) {
        for (const configuration of credential.configurations) {
          for (const workflow of guarded) {
            if (workflow.integrationId !== credential.integrationId || configuration.workflowSettings[workflow.id]?.enabled !== true) continue;
            if (permitted(workflow.definition.permissions, user.meta)) continue;
            const fresh = event.at === undefined ? user : await findUser(ctx, event.projectId, event.userId);
            if (!fresh || permitted(workflow.definition.permissions, fresh.meta)) continue;
            const refs = { credential: credential.id, configuration: configuration.id };
            if (event.at === undefined) await setWorkflowEnabled(ctx, state, user, workflow.id, false, refs, systemActor('workflow-permissions'));
            else await switchOffUnlessSwitchedSince(ctx, state, user, workflow.id, refs, systemActor('workflow-permissions'), event.at);
          }
        }
      }
      return;
    }
  }
}

/**
 * Whether a metadata change can matter to the project's workflows: only Workflow Permissions read
 * metadata. Most projects have none, and a job per `PATCH /sdk/me` was most of that route's cost on
 * PostgreSQL. The project state is this node's cache, which hears a workflow change before any
 * later event's notice; a workflow change in the same batch counts as guarded (see the consumer).
 */
async function hasGuardedWorkflows(ctx: AppContext, projectId: string): Promise<boolean> {
  const state = await ctx.projects.get(projectId);
  return state !== undefined && state.workflows.some((w) => w.definition.permissions.length > 0);
}

function permittedAll(workflows: readonly { definition: { permissions: Parameters<typeof permitted>[0] } }[], meta: Record<string, unknown>): boolean {
  return workflows.every((w) => permitted(w.definition.permissions, meta));
}

/**
 * Registers the workflow jobs (runs, schedule ticks, change handling) and starts the gating
 * consumer, which turns each relevant change of the outbox into one keyed job in its own
 * transaction: a crash before the commit hands the events over again, after it the job is durable.
 */
export function registerWorkflows(ctx: AppContext): void {
  workflowMetrics(ctx.metrics, ctx.store);
  const concurrency = Math.max(1, ctx.config.jobConcurrency);
  ctx.jobs.register<RunPayload>(RUN_JOB, (payload, helpers) => runExecutionJob(ctx, payload, helpers), {
    concurrency,
    backoff: { baseMs: 2000, maxMs: 5 * 60_000 },
  });
  ctx.jobs.register<TickPayload>(TICK_JOB, (payload, helpers) => runTick(ctx, payload, helpers, (id) => findUserById(ctx, id)), { concurrency });
  ctx.jobs.register<GatePayload>(GATE_JOB, (payload) => handleChange(ctx, payload), { concurrency: 2, backoff: { baseMs: 1000, maxMs: 60_000 } });
  ctx.events.consume(GATING_CONSUMER, async (events: Array<AnyStoredEvent<PorticoEvents>>, trx: Transaction<Database>) => {
    const workflowsChanged = new Set<string>();
    for (const event of events) {
      if (!GATING_EVENTS.has(event.type)) continue;
      if (event.type === 'project.changed') {
        if ((event.data as { what?: unknown } | null)?.what !== 'workflows') continue;
        workflowsChanged.add(event.projectId);
      }
      if (event.type === 'user.metadata.updated' && !workflowsChanged.has(event.projectId) && !(await hasGuardedWorkflows(ctx, event.projectId))) continue;
      const payload: GatePayload = { id: event.id, type: event.type, projectId: event.projectId, userId: event.userId, data: (event.data ?? {}) as Record<string, unknown>, at: event.createdAt };
      await ctx.jobs.enqueue(GATE_JOB, payload, { trx, key: gateJobKey(event.id), maxAttempts: 10 });
    }
  }, { batchSize: 200 });
}
