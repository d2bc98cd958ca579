import type { AppStore as Store } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import type { ProjectWorkflow } from './workflow.schema.ts';
import type { WorkflowTable } from './workflows.table.ts';
import * as repo from './workflows.repository.ts';

export interface Workflow {
  id: string;
  projectId: string;
  integrationId: string;
  name: string;
  defaultEnabled: boolean;
  dateCreated: string;
  dateUpdated: string;
}

export function toWorkflow(row: WorkflowTable): Workflow {
  return {
    id: row.id,
    projectId: row.project_id,
    integrationId: row.integration_id,
    name: row.name,
    defaultEnabled: row.default_enabled === 1,
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
  };
}

/** A workflow as the Admin API shows it, with its integration's type. */
export function toProjectWorkflow(workflow: Workflow, integrationType: string): ProjectWorkflow {
  return {
    id: workflow.id,
    name: workflow.name,
    integrationId: workflow.integrationId,
    integration: integrationType,
    defaultEnabled: workflow.defaultEnabled,
    dateCreated: workflow.dateCreated,
    dateUpdated: workflow.dateUpdated,
    projectId: workflow.projectId,
  };
}

export async function createWorkflow(
  deps: ChangeDeps,
  input: { projectId: string; integrationId: string; name: string; defaultEnabled: boolean },
  actor: Actor,
): Promise<Workflow> {
  const now = nowIso();
  const row: WorkflowTable = {
    id: newId(),
    project_id: input.projectId,
    integration_id: input.integrationId,
    name: input.name,
    default_enabled: input.defaultEnabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await deps.events.transaction(async (trx) => {
    await repo.insertWorkflow(trx, row);
    await deps.events.emit(trx, 'project.changed', { projectId: input.projectId, actor, data: { what: 'workflows' } });
  });
  return toWorkflow(row);
}

export async function listWorkflows(store: Store, projectId: string): Promise<Workflow[]> {
  return (await repo.listWorkflows(store.db, projectId)).map(toWorkflow);
}
