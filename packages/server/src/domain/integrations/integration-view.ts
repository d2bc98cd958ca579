import type { ProjectState } from '../projects/index.ts';
import type { JsonObject } from '../../platform/json/json.ts';
import type { Workflow } from '../workflows/index.ts';
import { catalogView, sdkInput } from './catalog-view.ts';
import { apiKeyInputsOf } from './connection-method.ts';
import type { ProjectIntegration } from './integration.schema.ts';
import type { Integration } from './integrations.service.ts';
import type { SdkIntegration } from './sdk-integration.schema.ts';

/**
 * `IConnectIntegrationWithCredentialInfo` of the official SDK: one item of `GET /sdk/integrations`.
 * Given `permits` (whether the user's metadata passes a workflow's permissions), the workflows it
 * refuses leave `workflows` for `noPermissionWorkflows`, and those and Integration Enabled workflows
 * (which run by themselves, no switch) are marked `hidden` in `workflowMeta`, as the SDK's
 * `getIntegrationConfig` and the Connect Portal read them.
 */
export function toSdkIntegration(state: ProjectState, integration: Integration, hasCredential: boolean, permits?: (workflow: Workflow) => boolean): SdkIntegration {
  const all: readonly Workflow[] = state.workflowsByIntegration.get(integration.id) ?? [];
  const excluded = new Set(permits === undefined ? [] : all.filter((w) => !permits(w)).map((w) => w.id));
  const workflows = all.filter((w) => !excluded.has(w.id));
  const isCustom = integration.type.startsWith('custom.');
  const catalog = catalogView(integration);
  const { userSettings, ...portal } = integration.portalConfig;
  const workflowMeta = Object.fromEntries(
    all.map((w, order) => {
      const hidden = permits !== undefined && (excluded.has(w.id) || w.definition.trigger.type === 'integration_enabled');
      return [w.id, { id: w.id, inputs: (w.definition.userSettings ?? []) as JsonObject[], infoText: w.name, defaultEnabled: w.defaultEnabled, order, ...(hidden ? { hidden: true } : {}) }];
    }),
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
      ? { id: integration.id, name: integration.name, slug: integration.type, icon: null, inputFields: apiKeyInputsOf(integration).map(sdkInput), projectId: integration.projectId }
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
        values: { accentColor: integration.brandColor, ...portal, workflowMeta, sharedMeta: { inputs: Array.isArray(userSettings) ? (userSettings as JsonObject[]) : [] } },
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
    noPermissionWorkflows: [...excluded],
  };
}

/** An integration as the Admin API shows it: its configuration without the client secret, and the redirect URI to register. */
export function toProjectIntegration(integration: Integration, redirectUri: string): ProjectIntegration {
  const { config } = integration;
  const view: ProjectIntegration = {
    id: integration.id,
    type: integration.type,
    name: integration.name,
    isActive: integration.isActive,
    brandColor: integration.brandColor,
    portalConfig: integration.portalConfig,
    scheme: integration.scheme,
    redirectUri,
    hasClientSecret: integration.hasClientSecret,
    dateCreated: integration.dateCreated,
    dateUpdated: integration.dateUpdated,
    projectId: integration.projectId,
  };
  if (config.clientId !== undefined) view.clientId = config.clientId;
  if (config.scopes !== undefined) view.scopes = config.scopes;
  if (config.overrides !== undefined) view.overrides = config.overrides;
  if (config.auth !== undefined) view.auth = config.auth;
  if (config.apiBaseUrl !== undefined) view.apiBaseUrl = config.apiBaseUrl;
  return view;
}
