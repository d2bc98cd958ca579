/** The workflows room's facade: what other rooms and the API may use. */
export { ProjectWorkflow, WorkflowStateChange } from './workflow.schema.ts';
export { setWorkflowEnabled } from './workflow-state.service.ts';
export { deleteWorkflowStatesOfConfig, listWorkflowStatesOfUser, listWorkflowStatesOfUsers, upsertWorkflowState } from './workflows.repository.ts';
export { createWorkflow, listWorkflows, toProjectWorkflow } from './workflows.service.ts';
export type { Workflow } from './workflows.service.ts';
export type { WorkflowStateTable, WorkflowTable } from './workflows.table.ts';
