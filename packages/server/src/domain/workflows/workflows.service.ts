import type { AppStore as Store } from '../database.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid, newId, nowIso } from '../../platform/ids.ts';
import type { WorkflowDefinition, WorkflowPatch } from './definition.schema.ts';
import { parseDefinition, storedDefinition } from './definition.ts';
import type { ProjectWorkflow } from './workflow.schema.ts';
import type { WorkflowTable } from './workflows.table.ts';
import * as repo from './workflows.repository.ts';

export interface Workflow {
  id: string;
  projectId: string;
  integrationId: string;
  name: string;
  defaultEnabled: boolean;
  definition: WorkflowDefinition;
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
    definition: storedDefinition(row.definition),
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
  };
}

/** A workflow as the Admin API shows it, with its integration's type. */
export function toProjectWorkflow(workflow: Workflow, integrationType: string): ProjectWorkflow {
  const { definition } = workflow;
  return {
    id: workflow.id,
    name: workflow.name,
    integrationId: workflow.integrationId,
    integration: integrationType,
    defaultEnabled: workflow.defaultEnabled,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    trigger: definition.trigger,
    steps: definition.steps as unknown as Record<string, unknown>[],
    permissions: definition.permissions as unknown as Record<string, unknown>[][],
    userSettings: (definition.userSettings ?? []) as unknown as Record<string, unknown>[],
    dateCreated: workflow.dateCreated,
    dateUpdated: workflow.dateUpdated,
    projectId: workflow.projectId,
  };
}

function definitionColumns(definition: WorkflowDefinition): Pick<WorkflowTable, 'definition' | 'trigger_type' | 'event_name'> {
  return {
    definition: JSON.stringify(definition),
    trigger_type: definition.trigger.type,
    event_name: definition.trigger.type === 'event' ? definition.trigger.event : null,
  };
}

export interface NewWorkflow {
  projectId: string;
  integrationId: string;
  name: string;
  defaultEnabled: boolean;
  description?: string | undefined;
  trigger?: unknown;
  steps?: unknown;
  permissions?: unknown;
}

/** Defines a workflow; its definition is checked first (400 WORKFLOW_INVALID naming the field). */
export async function createWorkflow(deps: ChangeDeps, input: NewWorkflow, actor: Actor): Promise<Workflow> {
  const definition = parseDefinition(input);
  const now = nowIso();
  const row: WorkflowTable = {
    id: newId(),
    project_id: input.projectId,
    integration_id: input.integrationId,
    name: input.name,
    default_enabled: input.defaultEnabled ? 1 : 0,
    ...definitionColumns(definition),
    created_at: now,
    updated_at: now,
  };
  await deps.events.transaction(async (trx) => {
    await repo.insertWorkflow(trx, row);
    await deps.events.emit(trx, 'project.changed', { projectId: input.projectId, actor, data: { what: 'workflows' } });
  });
  return toWorkflow(row);
}

async function existing(store: Store, projectId: string, workflowId: string): Promise<WorkflowTable> {
  const row = isUuid(workflowId) ? await repo.findWorkflow(store.db, projectId, workflowId.toLowerCase()) : undefined;
  if (!row) throw AppError.from('WORKFLOW_NOT_FOUND', `No workflow "${workflowId.slice(0, 80)}" in this project.`);
  return row;
}

export async function getWorkflow(store: Store, projectId: string, workflowId: string): Promise<Workflow> {
  return toWorkflow(await existing(store, projectId, workflowId));
}

/** Changes a workflow; fields left out keep their value; the definition is checked as a whole. */
export async function updateWorkflow(deps: ChangeDeps, projectId: string, workflowId: string, patch: WorkflowPatch, actor: Actor): Promise<Workflow> {
  const row = await existing(deps.store, projectId, workflowId);
  const current = storedDefinition(row.definition);
  const description = patch.description ?? current.description;
  const definition = parseDefinition({
    ...(description === undefined ? {} : { description }),
    trigger: patch.trigger ?? current.trigger,
    steps: patch.steps ?? current.steps,
    permissions: patch.permissions ?? current.permissions,
    userSettings: patch.userSettings ?? current.userSettings,
  });
  const changes = {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.defaultEnabled === undefined ? {} : { default_enabled: patch.defaultEnabled ? 1 : 0 }),
    ...definitionColumns(definition),
    updated_at: nowIso(),
  };
  await deps.events.transaction(async (trx) => {
    await repo.updateWorkflow(trx, row.id, changes);
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'workflows' } });
  });
  return toWorkflow({ ...row, ...changes });
}

/** Deletes a workflow with its user states and its executions (queued runs find nothing and end). */
export async function deleteWorkflow(deps: ChangeDeps, projectId: string, workflowId: string, actor: Actor): Promise<void> {
  const row = await existing(deps.store, projectId, workflowId);
  await deps.events.transaction(async (trx) => {
    await repo.deleteWorkflow(trx, row.id);
    await deps.events.emit(trx, 'project.changed', { projectId, actor, data: { what: 'workflows' } });
  });
}

export async function listWorkflows(store: Store, projectId: string): Promise<Workflow[]> {
  return (await repo.listWorkflows(store.db, projectId)).map(toWorkflow);
}
