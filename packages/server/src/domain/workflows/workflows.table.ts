export interface WorkflowTable {
  id: string;
  project_id: string;
  integration_id: string;
  name: string;
  /** 1 when the workflow is enabled for a user as soon as they connect the integration. */
  default_enabled: number;
  /** JSON `WorkflowDefinition` (trigger, steps, permissions); null for a workflow defined before steps existed (a Request trigger with no steps). */
  definition?: string | null;
  /** `event`, `request`, `schedule` or `integration_enabled`, copied from the definition for lookups. */
  trigger_type?: string;
  /** The App Event name of an `event` trigger, for the fan-out's indexed lookup. */
  event_name?: string | null;
  created_at: string;
  updated_at: string;
}

/** A workflow's enablement and settings inside one credential configuration. */
export interface WorkflowStateTable {
  config_id: string;
  workflow_id: string;
  user_id: string;
  enabled: number;
  /** JSON object of the user's settings for this workflow. */
  settings: string;
  updated_at: string;
  /** When `enabled` last changed (or the row was made); a settings save leaves it alone. Null on rows older than the column: read `updated_at` then. */
  enabled_at: string | null;
}

export type ExecutionStatus = 'QUEUED' | 'EXECUTING' | 'DELAYED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** One run of a workflow for one user (Task History's workflow execution). */
export interface WorkflowExecutionTable {
  id: string;
  project_id: string;
  workflow_id: string;
  /** connected_users.id (erasure and deletion cascade). */
  user_id: string;
  /** The user's external id (`sub`), as Task History shows and filters it. */
  end_user_id: string;
  integration_id: string;
  credential_id: string | null;
  config_id: string | null;
  trigger_type: string;
  status: ExecutionStatus;
  /** JSON: what the trigger gave the run (event payload, request body/query), redacted and truncated. */
  trigger_input: string;
  /** JSON `{status, body}` of a Response step, once it ran. */
  response: string | null;
  /** JSON `{steps: {id: output}}`: the full outputs of the steps that ran, so a resumed run goes on where it was. */
  context: string | null;
  error: string | null;
  error_code: string | null;
  /** Makes a trigger that may be delivered twice (a schedule tick, Integration Enabled) start one run. */
  dedupe_key: string | null;
  replay_of: string | null;
  task_count: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export type StepStatus = 'EXECUTING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface WorkflowStepExecutionTable {
  id: string;
  execution_id: string;
  /** Order the steps ran in. */
  seq: number;
  step_id: string;
  type: string;
  status: StepStatus;
  /** JSON, redacted, truncated past the size limit (`is_large_input`). */
  input: string | null;
  output: string | null;
  input_size: number;
  output_size: number;
  is_large_input: number;
  is_large_output: number;
  attempts: number;
  error: string | null;
  started_at: string;
  ended_at: string | null;
}
