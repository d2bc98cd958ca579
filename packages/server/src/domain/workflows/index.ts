/** The workflows room's facade: what other rooms and the API may use. */
export { ProjectWorkflow, WorkflowStateChange } from './workflow.schema.ts';
export { WorkflowInput, WorkflowPatch } from './definition.schema.ts';
export type { WorkflowDefinition, WorkflowStep, WorkflowTrigger } from './definition.schema.ts';
export { parseDefinition } from './definition.ts';
export { setWorkflowEnabled } from './workflow-state.service.ts';
export { deleteWorkflowStatesOfConfig, listWorkflowStatesOfUser, upsertWorkflowState } from './workflows.repository.ts';
export { createWorkflow, deleteWorkflow, getWorkflow, listWorkflows, toProjectWorkflow, updateWorkflow } from './workflows.service.ts';
export type { NewWorkflow, Workflow } from './workflows.service.ts';
export { RUN_JOB, enqueueExecution } from './execution-jobs.ts';
export type { WorkflowExecutionTable, WorkflowStateTable, WorkflowStepExecutionTable, WorkflowTable } from './workflows.table.ts';
