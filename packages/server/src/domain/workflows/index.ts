/** The workflows room's facade: what other rooms and the API may use. */
export { ProjectWorkflow, WorkflowStateChange } from './workflow.schema.ts';
export { setWorkflowEnabled } from './workflow-state.service.ts';
export { deleteWorkflowStatesOfConfig, listWorkflowStatesOfUser, upsertWorkflowState } from './workflows.repository.ts';
export { createWorkflow, listWorkflows, toProjectWorkflow } from './workflows.service.ts';
export type { Workflow } from './workflows.service.ts';
export type { WorkflowStateTable, WorkflowTable } from './workflows.table.ts';
export { EXECUTION_RETENTION_JOB, registerExecutionRetention } from './execution-retention.ts';
export { RUN_JOB } from './execution-jobs.ts';
export {
  EXECUTION_STATUSES, ExecutionListPage, ReplayedExecution, StepExecutionData, WorkflowExecutionDetail, WorkflowExecutionPage,
} from './task-history.schema.ts';
export { TASK_HISTORY_PAGE_SIZE, listExecutions, listTaskHistory, replayExecution, stepExecutionData, taskHistoryExecution } from './task-history.service.ts';
export type { ExecutionQuery } from './task-history.service.ts';
