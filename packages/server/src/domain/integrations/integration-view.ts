import type { ProjectState } from '../projects/index.ts';
import type { Workflow } from '../workflows/index.ts';
import { catalogView } from './catalog-view.ts';
import type { Integration } from './integrations.service.ts';

/** `IConnectIntegrationWithCredentialInfo` of the official SDK: one item of `GET /sdk/integrations`. */
export function toSdkIntegration(state: ProjectState, integration: Integration, hasCredential: boolean) {
  const workflows: readonly Workflow[] = state.workflowsByIntegration.get(integration.id) ?? [];
  const isCustom = integration.type.startsWith('custom.');
  const catalog = catalogView(integration);
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
    authenticationType: catalog.authenticationType,
    name: catalog.name,
    brandColor: catalog.brandColor,
    icon: catalog.icon,
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
    needPreOauthInputs: catalog.needPreOauthInputs,
    sdkIntegrationConfig: catalog.sdkIntegrationConfig,
    noPermissionWorkflows: [] as string[],
  };
}
