export interface WorkflowTable {
  id: string;
  project_id: string;
  integration_id: string;
  name: string;
  /** 1 when the workflow is enabled for a user as soon as they connect the integration. */
  default_enabled: number;
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
}
