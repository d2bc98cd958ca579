import { Type, type Static } from '@sinclair/typebox';

/** What `POST` / `DELETE /sdk/workflows/{id}` changed (the SDK ignores the body). */
export const WorkflowStateChange = Type.Object(
  {
    workflowId: Type.String(),
    enabled: Type.Boolean({ description: 'The state the workflow is now in' }),
    credentialId: Type.String({ description: 'The credential whose configuration changed' }),
    configurationId: Type.String({ description: 'The configuration that changed' }),
  },
  { $id: 'WorkflowStateChange', description: 'The workflow state written' },
);
export type WorkflowStateChange = Static<typeof WorkflowStateChange>;

/** A workflow as the Admin API shows it. */
export const ProjectWorkflow = Type.Object(
  {
    id: Type.String({ description: 'Workflow id (UUID)' }),
    name: Type.String(),
    integrationId: Type.String(),
    integration: Type.String({ description: 'Integration type' }),
    defaultEnabled: Type.Boolean({ description: 'Enabled for a user as soon as they connect the integration' }),
    description: Type.Optional(Type.String()),
    trigger: Type.Object({}, { additionalProperties: true, description: 'WorkflowTrigger: event, request, schedule or integration_enabled' }),
    steps: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'The steps, as defined (see docs/workflows.md)' }),
    permissions: Type.Array(Type.Array(Type.Object({}, { additionalProperties: true })), { description: 'OR of AND groups of metadata conditions; empty: everyone' }),
    userSettings: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Settings the Connect Portal asks for once the workflow is on; empty: none' }),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    projectId: Type.String(),
  },
  { $id: 'ProjectWorkflow', description: 'A workflow of the project' },
);
export type ProjectWorkflow = Static<typeof ProjectWorkflow>;
