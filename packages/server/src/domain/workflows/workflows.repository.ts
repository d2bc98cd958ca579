import type { RawBuilder } from 'kysely';
import type { Db, DialectName } from '../database.ts';
import { isoTextOf, jsonTextOf, rowsAsJson } from '../../platform/db/rows-json.ts';
import type { WorkflowStateTable, WorkflowTable } from './workflows.table.ts';

export function insertWorkflow(db: Db, row: WorkflowTable) {
  return db.insertInto('workflows').values(row).execute();
}

export function findWorkflow(db: Db, projectId: string, workflowId: string) {
  return db.selectFrom('workflows').selectAll().where('project_id', '=', projectId).where('id', '=', workflowId).executeTakeFirst();
}

export function updateWorkflow(db: Db, workflowId: string, changes: Partial<WorkflowTable>) {
  return db.updateTable('workflows').set(changes).where('id', '=', workflowId).execute();
}

export function deleteWorkflow(db: Db, workflowId: string) {
  return db.deleteFrom('workflows').where('id', '=', workflowId).execute();
}

export function listWorkflows(db: Db, projectId: string) {
  return db.selectFrom('workflows').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}

export function listWorkflowStatesOfUser(db: Db, userId: string) {
  return db.selectFrom('workflow_states').selectAll().where('user_id', '=', userId).execute();
}

/**
 * The workflow states of the user whose row id is the column `userIdRef`, as a JSON array of rows
 * shaped like {@link listWorkflowStatesOfUser}'s, for a read that loads a user and all they have
 * connected in one statement. `parseWorkflowStatesJson` reads it back.
 */
export function workflowStatesJson(dialect: DialectName, userIdRef: string): RawBuilder<string> {
  return rowsAsJson(dialect, {
    table: 'workflow_states',
    alias: 'ws',
    fields: {
      config_id: 'config_id', workflow_id: 'workflow_id', user_id: 'user_id', enabled: 'enabled',
      settings: jsonTextOf(dialect, 'ws.settings'), updated_at: isoTextOf(dialect, 'ws.updated_at'),
    },
    where: { column: 'user_id', equalsRef: userIdRef },
  });
}

/** The states as `workflowStatesJson` gives them: every column but `enabled_at`, which only the permissions re-check reads. */
export function parseWorkflowStatesJson(json: string): Array<Omit<WorkflowStateTable, 'enabled_at'>> {
  return JSON.parse(json) as Array<Omit<WorkflowStateTable, 'enabled_at'>>;
}

/** The workflow states of several users in one query. */
export function listWorkflowStatesOfUsers(db: Db, userIds: readonly string[]): Promise<WorkflowStateTable[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('workflow_states').selectAll().where('user_id', 'in', userIds).execute();
}

export function listWorkflowStatesOfConfig(db: Db, configId: string) {
  return db.selectFrom('workflow_states').selectAll().where('config_id', '=', configId).execute();
}

/**
 * Insert or overwrite one workflow's state in a configuration. `enabled_at` moves when `enabled`
 * changes, or always with `switched` (the user asked for this workflow on or off, even if it
 * already was); a row from before the column keeps `updated_at` as its best known switch time.
 */
export function upsertWorkflowState(db: Db, row: Omit<WorkflowStateTable, 'enabled_at'>, options: { switched?: boolean } = {}) {
  return db
    .insertInto('workflow_states')
    .values({ ...row, enabled_at: row.updated_at })
    .onConflict((oc) =>
      oc.columns(['config_id', 'workflow_id']).doUpdateSet((eb) => ({
        enabled: row.enabled,
        settings: row.settings,
        updated_at: row.updated_at,
        enabled_at: options.switched
          ? row.updated_at
          : eb.case().when('workflow_states.enabled', '=', row.enabled)
            .then(eb.fn.coalesce('workflow_states.enabled_at', 'workflow_states.updated_at')).else(row.updated_at).end(),
      })),
    )
    .execute();
}

export function findWorkflowState(db: Db, configId: string, workflowId: string) {
  return db.selectFrom('workflow_states').selectAll().where('config_id', '=', configId).where('workflow_id', '=', workflowId).executeTakeFirst();
}

/** Every workflow state of a configuration, or every one but those of `keep`. */
export function deleteWorkflowStatesOfConfig(db: Db, configId: string, keep: readonly string[] = []) {
  let query = db.deleteFrom('workflow_states').where('config_id', '=', configId);
  if (keep.length > 0) query = query.where('workflow_id', 'not in', keep);
  return query.execute();
}

/** Erasure: every workflow state of the user; how many went. */
export async function deleteWorkflowStatesOfUser(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('workflow_states').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The users' enabled states of one workflow (schedules, App Event fan-out). */
export function enabledStatesOfWorkflow(db: Db, workflowId: string) {
  return db.selectFrom('workflow_states').selectAll().where('workflow_id', '=', workflowId).where('enabled', '=', 1).execute();
}
