import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../platform/http/schemas.ts';

/** The statuses Task History filters and shows: Paragon's four, plus QUEUED and CANCELLED. */
export const EXECUTION_STATUSES = ['QUEUED', 'EXECUTING', 'DELAYED', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
/** Statuses an execution ends in; only these replay. */
export const FINISHED_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

const DateTime = (description: string) => Type.String({ format: 'date-time', description });

const executionFields = {
  id: Type.String({ description: 'Workflow execution id (UUID)' }),
  userId: Type.String({ description: "The Connected User's id (the `sub` of their tokens)" }),
  workflowId: Type.String(),
  integration: Type.String({ description: 'Integration type (e.g. salesforce, custom.acmecrm)' }),
  status: StringEnum(EXECUTION_STATUSES),
  triggerType: Type.String({ description: 'The trigger that started the run: event, request, schedule or integration_enabled' }),
  taskCount: Type.Integer({ description: 'Steps that ran (tasks, as Paragon bills them)' }),
  runDuration: Nullable(Type.Integer(), { description: 'Milliseconds from dateStarted to dateEnded; null until both exist' }),
  dateCreated: DateTime('When the run was queued'),
  dateStarted: DateTime('When the run started; the time it was queued while it waits (as Paragon always gives one)'),
  dateEnded: Nullable(Type.String({ format: 'date-time' }), { description: 'When the run ended; null while it runs' }),
  error: Nullable(Type.String(), { description: 'Why the run failed or was cancelled' }),
  replayOf: Nullable(Type.String(), { description: 'The execution this one replays' }),
};

/** One row of Task History's list (Paragon's fields and a few more). */
export const WorkflowExecution = Type.Object(executionFields, { description: 'A workflow execution' });
export type WorkflowExecution = Static<typeof WorkflowExecution>;

/** `GET /task-history/workflow-executions`. */
export const WorkflowExecutionPage = Type.Object(
  {
    workflowExecutions: Type.Array(WorkflowExecution),
    nextLink: Nullable(Type.String(), { description: 'URL of the next page (same filters, next offset); null on the last' }),
    total: Type.Integer({ description: 'Executions matching the filters' }),
  },
  { description: 'One page of executions (100 at most)' },
);
export type WorkflowExecutionPage = Static<typeof WorkflowExecutionPage>;

/** A step of an execution, without its input and output (which have their own route). */
export const StepExecutionSummary = Type.Object(
  {
    id: Type.String({ description: 'Step execution id; the trigger entry is `<executionId>.trigger`' }),
    stepId: Type.String({ description: "The step's id in the workflow definition (`trigger` for the trigger entry)" }),
    workflowExecutionId: Type.String(),
    status: Type.String({ description: 'EXECUTING, SUCCEEDED, FAILED or SKIPPED' }),
    type: Type.String({ description: 'TRIGGER/<TYPE>, ACTION/REQUEST, ACTION/INTEGRATION_REQUEST, CONTROL/CONDITION, ACTION/RESPONSE' }),
    start: DateTime('When the step started'),
    end: Nullable(Type.String({ format: 'date-time' }), { description: 'When it ended; null while it runs' }),
    next: Type.Array(Type.String(), { description: 'The step execution(s) that ran after it' }),
    prev: Nullable(Type.String(), { description: 'The step execution that ran before it' }),
    inputSize: Type.Integer({ description: 'Bytes of the input as recorded (before truncation)' }),
    outputSize: Type.Integer({ description: 'Bytes of the output as recorded (before truncation)' }),
    attempts: Type.Integer(),
    error: Nullable(Type.String()),
  },
  { description: 'A step execution' },
);
export type StepExecutionSummary = Static<typeof StepExecutionSummary>;

/** `GET /task-history/workflow-executions/{id}`. */
export const WorkflowExecutionDetail = Type.Object(
  {
    ...executionFields,
    response: Nullable(Type.Object({}, { additionalProperties: true }), { description: 'The Response step\'s `{status, body}`, once it ran' }),
    stepExecutions: Type.Array(StepExecutionSummary, { description: 'In the order they ran, the trigger first' }),
  },
  { description: 'A workflow execution and its steps' },
);
export type WorkflowExecutionDetail = Static<typeof WorkflowExecutionDetail>;

/** `GET /task-history/workflow-executions/{id}/step-executions/{stepExecutionId}`. */
export const StepExecutionData = Type.Object(
  {
    isLargeInput: Type.Boolean({ description: 'The input was truncated when recorded' }),
    isLargeOutput: Type.Boolean({ description: 'The output was truncated when recorded' }),
    input: Type.Unknown({ description: 'JSON, secrets and credentials redacted' }),
    output: Type.Unknown({ description: 'JSON, secrets and credentials redacted' }),
  },
  { description: "A step execution's input and output" },
);
export type StepExecutionData = Static<typeof StepExecutionData>;

/** `POST /task-history/workflow-executions/{id}/replay`. */
export const ReplayedExecution = Type.Object(
  {
    id: Type.String({ description: 'The new execution' }),
    userId: Type.String(),
    workflowId: Type.String(),
    status: StringEnum(['QUEUED', 'EXECUTING'] as const),
    dateStarted: DateTime('When the replay was queued'),
  },
  { description: 'The replay, queued' },
);
export type ReplayedExecution = Static<typeof ReplayedExecution>;

/** An execution as the Admin API lists it: Task History's fields and the workflow's name. */
export const ExecutionListItem = Type.Object(
  {
    ...executionFields,
    workflowName: Type.String(),
    errorCode: Nullable(Type.String()),
  },
  { description: 'A workflow execution' },
);
export type ExecutionListItem = Static<typeof ExecutionListItem>;

export const ExecutionListPage = Type.Object(
  {
    data: Type.Array(ExecutionListItem, { description: 'Newest first' }),
    nextCursor: Nullable(Type.String(), { description: 'Pass as cursor for the next (older) page; null on the last' }),
  },
  { description: 'A page of workflow executions, newest first' },
);
export type ExecutionListPage = Static<typeof ExecutionListPage>;
