import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Nullable, OpenObject } from '../../platform/http/schemas.ts';

/** The wire shape of `GET /sdk/integrations` items: what the official SDK and Connect Portal read. */

export const PortalWorkflowMeta = Type.Object({
  id: Type.String({ description: 'Workflow id' }),
  inputs: Type.Array(OpenObject('A User Settings input'), { description: 'User Settings inputs of the workflow (none yet)' }),
  infoText: Type.String({ description: 'What the portal shows for the workflow: its name' }),
  defaultEnabled: Type.Boolean({ description: 'Enabled on install' }),
  order: Type.Integer({ description: 'Position in the portal' }),
  hidden: Type.Optional(Type.Boolean({ description: 'Not listed in the portal: its permissions exclude this user, or it runs on Integration Enabled' })),
});

/*
 * Fastify's serializer writes required properties before optional ones. The project's own portal
 * texts (`description`) sit between `accentColor` and `workflowMeta` on the wire, so the fields after
 * `accentColor` are declared optional to keep that order; `workflowMeta` and `sharedMeta` are always sent.
 */
export const PortalConfigValues = Type.Object(
  {
    accentColor: Type.String({ description: "The integration's brand color, unless the project set its own" }),
    description: Type.Optional(Type.String({ description: 'Text the project set for the portal' })),
    workflowMeta: Type.Optional(MapOf(PortalWorkflowMeta, { description: 'Always sent: the workflows shown in the portal, by workflow id' })),
    sharedMeta: Type.Optional(Type.Object(
      { inputs: Type.Array(OpenObject('A User Settings input'), { description: 'Integration User Settings inputs: portal.userSettings of PATCH /integrations/{id} (id, title, type text|number|boolean|select|multiselect, required, options)' }) },
      { description: 'Always sent: integration-wide User Settings' },
    )),
  },
  { additionalProperties: true, description: "ModalConfig of the official SDK: the Connect Portal's configuration; other keys the project stored pass through" },
);

export const SdkIntegration = Type.Object(
  {
    id: Type.String({ description: 'Integration id (UUID)' }),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    projectId: Type.String(),
    type: Type.String({ description: 'Integration type, e.g. salesforce; "custom" for a custom integration, whose type is customIntegration.slug' }),
    isActive: Type.Boolean(),
    customIntegrationId: Nullable(Type.String({ description: 'Set for custom integrations' })),
    customIntegration: Nullable(Type.Object({
      id: Type.String(),
      name: Type.String(),
      slug: Type.String({ description: 'custom.<slug>: the type the SDK uses' }),
      icon: Nullable(Type.String({ description: 'Icon URL' })),
      inputFields: Type.Array(OpenObject('An input asked before connecting'), { description: 'API-key integrations: the inputs that make the credential' }),
      projectId: Type.String(),
    }, { description: 'Set for custom integrations' })),
    resourceId: Nullable(Type.String({ description: 'API Resource the integration belongs to (none yet)' })),
    authenticationType: Type.String({ description: 'How users connect: oauth, or basic (API key and other inputs)' }),
    name: Type.String(),
    brandColor: Type.String(),
    icon: Type.String({ description: "Icon URL on the SDK's default CDN (the path the SDK computes for built-ins)" }),
    configs: Type.Array(Type.Object({
      id: Type.String({ description: 'Portal configuration id' }),
      dateCreated: Type.String({ format: 'date-time' }),
      dateUpdated: Type.String({ format: 'date-time' }),
      integrationId: Type.String(),
      values: PortalConfigValues,
    }), { description: 'One portal configuration; the SDK reads configs[0].values' }),
    workflows: Type.Array(Type.Object({
      id: Type.String(),
      description: Type.String({ description: 'The workflow name' }),
      projectId: Type.String(),
      teamId: Type.String(),
      isOnboardingWorkflow: Type.Boolean(),
      integrationId: Type.String(),
    }), { description: 'Workflows this user may see and enable (not those their permissions exclude)' }),
    hasCredential: Type.Boolean({ description: 'Whether the user has connected the integration' }),
    connectedUserLimitOnDevCred: Type.Boolean(),
    connectedUserLimitReached: Type.Boolean(),
    needPreOauthInputs: Type.Boolean(),
    sdkIntegrationConfig: Nullable(Type.Object({
      accountTypes: Type.Array(OpenObject('An account type: id, scheme, accountDescription'), { description: "Account types to choose from (Salesforce's default and sandbox)" }),
      oauthInputs: Type.Array(OpenObject('An input'), { description: 'Inputs sent with the authorization (none)' }),
      authConfigInputs: Type.Array(OpenObject('An input'), { description: "Inputs asked before connecting: a built-in's pre-OAuth inputs (shop, subdomain) or its API-key form" }),
      postOauthInputs: Type.Array(OpenObject('An input'), { description: 'Inputs asked after OAuth: the credential is PENDING until POST /sdk/credentials/{id}/complete-setup gives them' }),
      dataSources: OpenObject('Dynamic data sources (none)'),
    }, { description: 'Install-flow configuration read by installFlow; null when nothing is asked besides OAuth' })),
    noPermissionWorkflows: Type.Array(Type.String(), { description: 'Workflows hidden from this user by Workflow Permissions' }),
  },
  { $id: 'SdkIntegration', description: "IConnectIntegrationWithCredentialInfo of the official SDK: one integration as this user sees it" },
);
export type SdkIntegration = Static<typeof SdkIntegration>;
