/**
 * The workflows room's facade: definitions (schema, checks, variables, permissions), users'
 * workflow states, and the execution tables. Running them is the runs room (`domain/runs`).
 */
export { ProjectWorkflow, WorkflowStateChange } from './workflow.schema.ts';
export { COMPARISON_OPS, WorkflowInput, WorkflowPatch } from './definition.schema.ts';
export type { ComparisonOp, HttpStep, IntegrationRequestStep, WorkflowDefinition, WorkflowStep, WorkflowTrigger } from './definition.schema.ts';
export { checkTimezone, flattenSteps, parseCron, parseDefinition } from './definition.ts';
export { compare, permitted } from './comparison.ts';
export { render, renderText, TemplateError, variablesIn } from './template.ts';
export type { TemplateScope } from './template.ts';
export { setWorkflowEnabled, switchOffUnlessSwitchedSince } from './workflow-state.service.ts';
export { deleteWorkflowStatesOfConfig, deleteWorkflowStatesOfUser, enabledStatesOfWorkflow, listWorkflowStatesOfUser, listWorkflowStatesOfUsers, parseWorkflowStatesJson, upsertWorkflowState, workflowStatesJson } from './workflows.repository.ts';
export { createWorkflow, deleteWorkflow, getWorkflow, listWorkflows, toProjectWorkflow, updateWorkflow } from './workflows.service.ts';
export type { NewWorkflow, Workflow } from './workflows.service.ts';
export { GATE_JOB, GATING_CONSUMER, RUN_JOB, TICK_JOB, enqueueExecution, gateJobKey, tickJobKey } from './execution-jobs.ts';
export type { RunPayload } from './execution-jobs.ts';
export {
  countExecuting, deleteExecutionsOfUser, findExecution, insertExecution, listStepRows, pendingExecutions, queuedDepth, setStatusOf, updateExecution, upsertStep,
} from './executions.repository.ts';
export type { PendingFilter } from './executions.repository.ts';
export type {
  ExecutionStatus, StepStatus, WorkflowExecutionTable, WorkflowStateTable, WorkflowStepExecutionTable, WorkflowTable,
} from './workflows.table.ts';
export { WorkflowApplyError, applyWorkflows } from './apply.ts';
export type { ApplyOutcome, ApplyTarget, WorkflowSource } from './apply.ts';
export { EXECUTION_RETENTION_JOB, registerExecutionRetention } from './execution-retention.ts';
export {
  EXECUTION_STATUSES, ExecutionListPage, ReplayedExecution, StepExecutionData, WorkflowExecutionDetail, WorkflowExecutionPage,
} from './task-history.schema.ts';
export { TASK_HISTORY_PAGE_SIZE, listExecutions, listTaskHistory, replayExecution, stepExecutionData, taskHistoryExecution } from './task-history.service.ts';
export type { ExecutionQuery } from './task-history.service.ts';
export { eraseUserExecutions } from './execution-erasure.ts';
export type { ErasedWorkflowUser } from './execution-erasure.ts';
