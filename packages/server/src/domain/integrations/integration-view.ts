import type { ProjectState } from '../projects/index.ts';
import type { Workflow } from '../workflows/index.ts';
import type { ProjectIntegration } from './integration.schema.ts';
import type { Integration } from './integrations.service.ts';
import type { SdkIntegration } from './sdk-integration.schema.ts';

/** One item of `GET /sdk/integrations`. */
export function toSdkIntegration(state: ProjectState, integration: Integration, hasCredential: boolean): SdkIntegration {
  const workflows: readonly Workflow[] = state.workflowsByIntegration.get(integration.id) ?? [];
  const isCustom = integration.type.startsWith('custom.');
  const workflowMeta = Object.fromEntries(
    workflows.map((w, order) => [w.id, { id: w.id, inputs: [], infoText: w.name, defaultEnabled: w.defaultEnabled, order }]),
  );
  return {
    id: integration.id,
    dateCreated: integration.dateCreated,
    dateUpdated: integration.dateUpdated,
    projectId: integration.projectId,
    type: isCustom ? 'custom' : integration.type,
    isActive: integration.isActive,
    customIntegrationId: isCustom ? integration.id : null,
    customIntegration: isCustom
      ? { id: integration.id, name: integration.name, slug: integration.type, icon: null, inputFields: [], projectId: integration.projectId }
      : null,
    resourceId: null,
    authenticationType: 'oauth',
    name: integration.name,
    brandColor: integration.brandColor,
    configs: [
      {
        id: integration.configId,
        dateCreated: integration.dateCreated,
        dateUpdated: integration.dateUpdated,
        integrationId: integration.id,
        values: { accentColor: integration.brandColor, ...integration.portalConfig, workflowMeta, sharedMeta: { inputs: [] } },
      },
    ],
    workflows: workflows.map((w) => ({
      id: w.id,
      description: w.name,
      projectId: w.projectId,
      teamId: w.projectId,
      isOnboardingWorkflow: false,
      integrationId: w.integrationId,
    })),
    hasCredential,
    connectedUserLimitOnDevCred: false,
    connectedUserLimitReached: false,
    needPreOauthInputs: false,
    sdkIntegrationConfig: null,
    noPermissionWorkflows: [],
  };
}

/** An integration as the Admin API shows it (the portal configuration id stays internal). */
export function toProjectIntegration(integration: Integration): ProjectIntegration {
  return {
    id: integration.id,
    type: integration.type,
    name: integration.name,
    isActive: integration.isActive,
    brandColor: integration.brandColor,
    portalConfig: integration.portalConfig,
    dateCreated: integration.dateCreated,
    dateUpdated: integration.dateUpdated,
    projectId: integration.projectId,
  };
}
