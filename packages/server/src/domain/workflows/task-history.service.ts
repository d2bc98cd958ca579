import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import { newId } from '../../platform/ids.ts';
import type { AppContext } from '../context.ts';
import type { Actor } from '../events.ts';
import type { ProjectState } from '../projects/index.ts';
import { enqueueExecution } from './execution-jobs.ts';
import * as repo from './task-history.repository.ts';
import {
  FINISHED_STATUSES, type ExecutionListItem, type ExecutionListPage, type ReplayedExecution, type StepExecutionData, type StepExecutionSummary,
  type WorkflowExecution, type WorkflowExecutionDetail,
} from './task-history.schema.ts';
import type { ExecutionStatus } from './workflows.table.ts';

/** Paragon's page size for Task History. */
export const TASK_HISTORY_PAGE_SIZE = 100;

/**
 * Filters of both lists: the repository's filter without the project (the caller's scope). User and
 * integration ids are resolved by the caller from an external id, an email or an integration type.
 */
export type ExecutionQuery = Omit<repo.ExecutionFilter, 'projectId'>;

type Row = repo.ExecutionRow;
type ReadDeps = Pick<AppContext, 'store'>;

/** `GET /task-history/workflow-executions`: one page by offset, the total, and the next page's offset (null on the last). */
export async function listTaskHistory(
  ctx: AppContext,
  state: ProjectState,
  query: ExecutionQuery,
  page: { offset: number; sortBy: 'ASC' | 'DESC' },
): Promise<{ workflowExecutions: WorkflowExecution[]; total: number; nextOffset: number | null }> {
  const filter = filterOf(state.project.id, query);
  if (!filter) return { workflowExecutions: [], total: 0, nextOffset: null };
  const db = ctx.store.db;
  const [rows, total] = await Promise.all([
    repo.listExecutionsByOffset(db, filter, { offset: page.offset, limit: TASK_HISTORY_PAGE_SIZE, order: page.sortBy === 'ASC' ? 'asc' : 'desc' }),
    repo.countExecutions(db, filter),
  ]);
  const end = page.offset + rows.length;
  return { workflowExecutions: rows.map((row) => toExecution(state, row)), total, nextOffset: rows.length === TASK_HISTORY_PAGE_SIZE && end < total ? end : null };
}

/** The Admin API's list: newest first, keyset-paged on (created_at, id) so pages never skip or repeat a run. */
export async function listExecutions(ctx: AppContext, state: ProjectState, query: ExecutionQuery, page: { limit: number; cursor?: string | undefined }): Promise<ExecutionListPage> {
  const before = page.cursor === undefined
    ? undefined
    : decodeCursor(page.cursor, ([createdAt, id]) => (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt)) ? { createdAt, id } : undefined));
  const filter = filterOf(state.project.id, query);
  if (!filter) return { data: [], nextCursor: null };
  const rows = await repo.listExecutionsBefore(ctx.store.db, filter, { before, limit: page.limit + 1 });
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    data: shown.map((row): ExecutionListItem => ({ ...toExecution(state, row), workflowName: state.workflowsById.get(row.workflow_id)?.name ?? '', errorCode: row.error_code })),
    nextCursor: rows.length > page.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}

/** `GET /task-history/workflow-executions/{id}`: the run, its response, and its steps after a trigger entry. */
export async function taskHistoryExecution(ctx: ReadDeps, state: ProjectState, executionId: string): Promise<WorkflowExecutionDetail> {
  const row = await executionOf(ctx, state, executionId);
  const steps = await repo.listStepSummaries(ctx.store.db, row.id);
  const trigger = triggerEntry(row);
  const entries: Array<Omit<StepExecutionSummary, 'next' | 'prev'>> = [
    trigger,
    ...steps.map((step) => ({
      id: step.id,
      stepId: step.step_id,
      workflowExecutionId: row.id,
      status: step.status,
      type: stepType(step.type),
      start: step.started_at,
      end: step.ended_at,
      inputSize: Number(step.input_size),
      outputSize: Number(step.output_size),
      attempts: Number(step.attempts),
      error: step.error,
    })),
  ];
  return {
    ...toExecution(state, row),
    response: row.response === null ? null : (parseJson(row.response) as Record<string, unknown>),
    stepExecutions: entries.map((entry, i) => ({
      ...entry,
      next: i + 1 < entries.length ? [entries[i + 1]!.id] : [],
      prev: i > 0 ? entries[i - 1]!.id : null,
    })),
  };
}

/** `GET …/step-executions/{stepExecutionId}`: the recorded (redacted, maybe truncated) input and output. */
export async function stepExecutionData(ctx: ReadDeps, state: ProjectState, executionId: string, stepExecutionId: string): Promise<StepExecutionData> {
  const row = await executionOf(ctx, state, executionId);
  if (stepExecutionId === triggerEntryId(row.id)) return { isLargeInput: false, isLargeOutput: false, input: null, output: parseJson(row.trigger_input) };
  const step = await repo.findStepExecution(ctx.store.db, row.id, stepExecutionId);
  if (!step) throw AppError.from('STEP_EXECUTION_NOT_FOUND', `No step execution "${stepExecutionId.slice(0, 80)}" in workflow execution ${row.id}.`);
  return {
    isLargeInput: Number(step.is_large_input) === 1,
    isLargeOutput: Number(step.is_large_output) === 1,
    input: step.input === null ? null : parseJson(step.input),
    output: step.output === null ? null : parseJson(step.output),
  };
}

/**
 * Runs a finished execution again: a new QUEUED execution of the same workflow, user, credential,
 * configuration and trigger input, with `replay_of` set, queued for the engine in the same
 * transaction as its row and its `execution.replayed` event.
 */
export async function replayExecution(ctx: Pick<AppContext, 'store' | 'events' | 'jobs'>, state: ProjectState, executionId: string, actor: Actor): Promise<ReplayedExecution> {
  const original = await executionOf(ctx, state, executionId);
  if (!(FINISHED_STATUSES as readonly string[]).includes(original.status)) {
    throw AppError.from('EXECUTION_NOT_FINISHED', `Execution ${original.id} is ${original.status}; replay it once it has succeeded, failed or been cancelled.`, { status: original.status });
  }
  const now = new Date().toISOString();
  const replay: repo.ExecutionRow = {
    id: newId(),
    project_id: original.project_id,
    workflow_id: original.workflow_id,
    user_id: original.user_id,
    end_user_id: original.end_user_id,
    integration_id: original.integration_id,
    credential_id: original.credential_id,
    config_id: original.config_id,
    trigger_type: original.trigger_type,
    status: 'QUEUED',
    trigger_input: original.trigger_input,
    response: null,
    context: null,
    error: null,
    error_code: null,
    dedupe_key: null,
    replay_of: original.id,
    task_count: 0,
    created_at: now,
    started_at: null,
    ended_at: null,
    updated_at: now,
  };
  await ctx.events.transaction(async (trx) => {
    await repo.insertExecution(trx, replay);
    await enqueueExecution(ctx.jobs, replay.id, { trx });
    await ctx.events.emit(trx, 'execution.replayed', {
      projectId: state.project.id,
      userId: replay.end_user_id,
      actor,
      data: { executionId: replay.id, replayOf: original.id, workflowId: replay.workflow_id },
    });
  });
  return { id: replay.id, userId: replay.end_user_id, workflowId: replay.workflow_id, status: 'QUEUED', dateStarted: now };
}

async function executionOf(ctx: ReadDeps, state: ProjectState, executionId: string): Promise<Row> {
  const row = await repo.findExecution(ctx.store.db, state.project.id, executionId.toLowerCase());
  if (!row) throw AppError.from('EXECUTION_NOT_FOUND', `No workflow execution "${executionId.slice(0, 80)}" in this project.`);
  return row;
}

/** The repository filter, or undefined when the user filter matches no user (nothing to list). */
function filterOf(projectId: string, query: ExecutionQuery): repo.ExecutionFilter | undefined {
  if (query.userIds !== undefined && query.userIds.length === 0) return undefined;
  return {
    projectId,
    userIds: query.userIds,
    workflowId: query.workflowId?.toLowerCase(),
    integrationId: query.integrationId,
    status: query.status,
    afterDate: query.afterDate === undefined ? undefined : instantOf('afterDate', query.afterDate),
    beforeDate: query.beforeDate === undefined ? undefined : instantOf('beforeDate', query.beforeDate),
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const EPOCH_MS = /^\d{10,13}$/;

/** An instant given as an RFC 3339 date-time, a date (midnight UTC) or epoch milliseconds, as ISO text. */
function instantOf(name: string, text: string): string {
  const ms = EPOCH_MS.test(text) ? Number(text) : DATE_ONLY.test(text) || DATE_TIME.test(text) ? Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text) : Number.NaN;
  if (Number.isNaN(ms) || ms < 0 || ms > 253402300799999) {
    throw AppError.from('VALIDATION_FAILED', `Invalid request: querystring/${name}: give an ISO 8601 date-time such as 2026-01-31T12:00:00Z, a date such as 2026-01-31, or epoch milliseconds.`, {
      errors: [{ in: 'querystring', path: `/${name}`, message: 'is not a date-time' }],
    });
  }
  return new Date(ms).toISOString();
}

function toExecution(state: ProjectState, row: Row): WorkflowExecution {
  return {
    id: row.id,
    userId: row.end_user_id,
    workflowId: row.workflow_id,
    integration: state.integrationsById.get(row.integration_id)?.type ?? row.integration_id,
    status: row.status,
    triggerType: row.trigger_type,
    taskCount: Number(row.task_count),
    runDuration: row.started_at && row.ended_at ? Math.max(0, Date.parse(row.ended_at) - Date.parse(row.started_at)) : null,
    dateCreated: row.created_at,
    dateStarted: row.started_at ?? row.created_at,
    dateEnded: row.ended_at,
    error: row.error,
    replayOf: row.replay_of,
  };
}

const triggerEntryId = (executionId: string) => `${executionId}.trigger`;

/** The trigger as the first entry of the steps, as Paragon shows it; its output is what the trigger gave the run. */
function triggerEntry(row: Row): Omit<StepExecutionSummary, 'next' | 'prev'> {
  return {
    id: triggerEntryId(row.id),
    stepId: 'trigger',
    workflowExecutionId: row.id,
    status: 'SUCCEEDED',
    type: `TRIGGER/${TRIGGER_TYPES[row.trigger_type] ?? row.trigger_type.toUpperCase()}`,
    start: row.created_at,
    end: row.created_at,
    inputSize: 0,
    outputSize: Buffer.byteLength(row.trigger_input),
    attempts: 1,
    error: null,
  };
}

const TRIGGER_TYPES: Readonly<Record<string, string>> = { event: 'APP_EVENT', request: 'REQUEST', schedule: 'CRON', integration_enabled: 'INTEGRATION_ENABLED' };
const STEP_TYPES: Readonly<Record<string, string>> = {
  http: 'ACTION/REQUEST',
  integration_request: 'ACTION/INTEGRATION_REQUEST',
  condition: 'CONTROL/CONDITION',
  response: 'ACTION/RESPONSE',
};

function stepType(type: string): string {
  return STEP_TYPES[type] ?? (type.includes('/') ? type : `ACTION/${type.toUpperCase()}`);
}

/** Recorded JSON as a value; text that is not JSON (never written by the engine) is shown as it is. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
