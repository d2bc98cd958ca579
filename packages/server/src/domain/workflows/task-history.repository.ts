import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database, Db } from '../database.ts';
import type { ExecutionStatus, WorkflowExecutionTable } from './workflows.table.ts';

/** What Task History and the Admin API filter executions by; every field is optional but the project. */
export interface ExecutionFilter {
  projectId: string;
  /** Portico's user ids (connected_users.id); an empty list matches nothing. */
  userIds?: readonly string[] | undefined;
  workflowId?: string | undefined;
  integrationId?: string | undefined;
  status?: ExecutionStatus | undefined;
  /** Created at or after this instant (ISO). */
  afterDate?: string | undefined;
  /** Created at or before this instant (ISO). */
  beforeDate?: string | undefined;
}

export type ExecutionRow = WorkflowExecutionTable;

type ExecutionQuery<O> = SelectQueryBuilder<Database, 'workflow_executions', O>;

function filtered<O>(query: ExecutionQuery<O>, filter: ExecutionFilter): ExecutionQuery<O> {
  let q = query.where('project_id', '=', filter.projectId);
  if (filter.userIds !== undefined) q = filter.userIds.length === 1 ? q.where('user_id', '=', filter.userIds[0]!) : q.where('user_id', 'in', [...filter.userIds]);
  if (filter.workflowId !== undefined) q = q.where('workflow_id', '=', filter.workflowId);
  if (filter.integrationId !== undefined) q = q.where('integration_id', '=', filter.integrationId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.afterDate !== undefined) q = q.where('created_at', '>=', filter.afterDate);
  if (filter.beforeDate !== undefined) q = q.where('created_at', '<=', filter.beforeDate);
  return q;
}

/** A page by offset, ordered by creation (then id, so equal instants keep one order). */
export function listExecutionsByOffset(db: Db, filter: ExecutionFilter, page: { offset: number; limit: number; order: 'asc' | 'desc' }): Promise<ExecutionRow[]> {
  return filtered(db.selectFrom('workflow_executions').selectAll(), filter)
    .orderBy('created_at', page.order)
    .orderBy('id', page.order)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countExecutions(db: Db, filter: ExecutionFilter): Promise<number> {
  const row = await filtered(db.selectFrom('workflow_executions').select((eb) => eb.fn.countAll<number | string>().as('n')), filter).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Newest first, after the keyset position `before` (the last row of the previous page). */
export function listExecutionsBefore(db: Db, filter: ExecutionFilter, page: { before?: { createdAt: string; id: string } | undefined; limit: number }): Promise<ExecutionRow[]> {
  let q = filtered(db.selectFrom('workflow_executions').selectAll(), filter);
  const before = page.before;
  if (before) q = q.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export function findExecution(db: Db, projectId: string, id: string): Promise<ExecutionRow | undefined> {
  return db.selectFrom('workflow_executions').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
}

/** The steps of an execution without their input and output, in the order they ran. */
export function listStepSummaries(db: Db, executionId: string) {
  return db
    .selectFrom('workflow_step_executions')
    .select(['id', 'seq', 'step_id', 'type', 'status', 'input_size', 'output_size', 'attempts', 'error', 'started_at', 'ended_at'])
    .where('execution_id', '=', executionId)
    .orderBy('seq')
    .orderBy('started_at')
    .execute();
}

export function findStepExecution(db: Db, executionId: string, id: string) {
  return db
    .selectFrom('workflow_step_executions')
    .select(['input', 'output', 'is_large_input', 'is_large_output'])
    .where('execution_id', '=', executionId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertExecution(db: Kysely<Database>, row: ExecutionRow): Promise<void> {
  await db.insertInto('workflow_executions').values(row).execute();
}

/**
 * Deletes up to `limit` finished executions created before `before`, with their steps; returns how
 * many executions went. Unfinished ones stay: the engine may still be working on them.
 */
export async function deleteFinishedExecutionsBefore(db: Db, before: string, finished: readonly ExecutionStatus[], limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (await trx.selectFrom('workflow_executions').select('id').where('created_at', '<', before).where('status', 'in', [...finished]).limit(limit).execute()).map((r) => r.id);
    if (ids.length === 0) return 0;
    await trx.deleteFrom('workflow_step_executions').where('execution_id', 'in', ids).execute();
    const result = await trx.deleteFrom('workflow_executions').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}
