import type { Db } from '../database.ts';
import type { ExecutionStatus, WorkflowExecutionTable, WorkflowStepExecutionTable } from './workflows.table.ts';

/** Stores a new execution; false when its dedupe key already started one. */
export async function insertExecution(db: Db, row: WorkflowExecutionTable): Promise<boolean> {
  const result = await db.insertInto('workflow_executions').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findExecution(db: Db, id: string) {
  return db.selectFrom('workflow_executions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function updateExecution(db: Db, id: string, changes: Partial<WorkflowExecutionTable>) {
  return db.updateTable('workflow_executions').set(changes).where('id', '=', id).execute();
}

export async function countExecuting(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('workflow_executions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('status', '=', 'EXECUTING')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export function listStepRows(db: Db, executionId: string) {
  return db.selectFrom('workflow_step_executions').selectAll().where('execution_id', '=', executionId).orderBy('seq').execute();
}

export function upsertStep(db: Db, row: WorkflowStepExecutionTable) {
  return db
    .insertInto('workflow_step_executions')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['execution_id', 'step_id']).doUpdateSet({
        status: row.status,
        input: row.input,
        output: row.output,
        input_size: row.input_size,
        output_size: row.output_size,
        is_large_input: row.is_large_input,
        is_large_output: row.is_large_output,
        attempts: row.attempts,
        error: row.error,
        ended_at: row.ended_at,
      }),
    )
    .execute();
}

export interface PendingFilter {
  projectId: string;
  userId?: string;
  workflowId?: string;
  credentialIds?: readonly string[];
  configId?: string;
}

/** Executions not started yet (or paused) that match; used to cancel them. */
export function pendingExecutions(db: Db, filter: PendingFilter, statuses: readonly ExecutionStatus[] = ['QUEUED', 'DELAYED']) {
  let query = db.selectFrom('workflow_executions').select(['id', 'status']).where('project_id', '=', filter.projectId).where('status', 'in', [...statuses]);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
  if (filter.credentialIds) query = query.where('credential_id', 'in', filter.credentialIds.length ? [...filter.credentialIds] : ['-']);
  if (filter.configId) query = query.where('config_id', '=', filter.configId);
  return query.limit(10_000).execute();
}

export function setStatusOf(db: Db, ids: readonly string[], from: readonly ExecutionStatus[], changes: Partial<WorkflowExecutionTable>) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.updateTable('workflow_executions').set(changes).where('id', 'in', [...ids]).where('status', 'in', [...from]).execute();
}

export async function queuedDepth(db: Db): Promise<number> {
  const row = await db.selectFrom('workflow_executions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'QUEUED').executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Deletes the executions of one user in one project (erasure); their step rows go with them. */
export async function deleteExecutionsOfUser(db: Db, projectId: string, userId: string): Promise<number> {
  const result = await db.deleteFrom('workflow_executions').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
