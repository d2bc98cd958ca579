import { Type, type Static } from '@sinclair/typebox';
import { AnyObject, MapOf, Nullable, OpenObject, SchemaRef, StringEnum } from '../../platform/http/schemas.ts';

/** The wire shapes of credentials and configurations: what the official SDK reads. */

export const CredentialStatus = StringEnum(['VALID', 'INVALID', 'PENDING'], {
  $id: 'CredentialStatus',
  description: 'VALID: usable. INVALID: the provider refused it; the user must reconnect. PENDING: setup is not finished',
});
export type CredentialStatus = Static<typeof CredentialStatus>;

export const WorkflowSetting = Type.Object({
  enabled: Type.Boolean({ description: 'Whether the workflow runs for this configuration' }),
  settings: OpenObject('Workflow User Settings, by input id'),
});

export const WorkflowSettings = MapOf(WorkflowSetting, { $id: 'WorkflowSettings', description: 'State of each workflow in a configuration, by workflow id' });
export type WorkflowSettings = Static<typeof WorkflowSettings>;

export const CredentialConfiguration = Type.Object(
  {
    id: Type.String({ description: 'Configuration id (UUID)' }),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    connectCredentialId: Type.String({ description: 'The credential this configuration belongs to' }),
    workflowSettings: SchemaRef(WorkflowSettings),
    sharedSettings: OpenObject('Integration User Settings, by input id'),
    configMeta: OpenObject('Flags of the configuration, e.g. isIntegrationEnableTriggered'),
    isDefault: Type.Boolean({ description: 'The configuration made with the credential; every credential has exactly one' }),
    externalId: Type.Optional(Type.String({ description: "The app's own id for the configuration (select it with ext:<externalId>)" })),
  },
  { $id: 'CredentialConfiguration', description: 'IConnectCredentialConfig of the official SDK: one set of settings of a credential' },
);
export type CredentialConfiguration = Static<typeof CredentialConfiguration>;

export const Credential = Type.Object(
  {
    id: Type.String({ description: 'Credential id (UUID)' }),
    projectId: Type.String(),
    integrationId: Type.String(),
    personaId: Type.String({ description: "Portico's id of the Connected User (not the token's sub)" }),
    config: Type.Object(
      { configuredWorkflows: SchemaRef(WorkflowSettings), sharedSettings: OpenObject('Integration User Settings, by input id') },
      { deprecated: true, description: 'The default configuration\'s settings, as SDK 1.x reads them; use configurations' },
    ),
    configurations: Type.Array(SchemaRef(CredentialConfiguration), { description: 'Every configuration of the credential, the default one first' }),
    isPreviewCredential: Type.Literal(false),
    providerId: Nullable(Type.String({ description: "The account's id at the provider" })),
    providerData: OpenObject('Non-secret account details from the provider, e.g. instanceURL'),
    status: SchemaRef(CredentialStatus),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    dateRefreshed: Nullable(Type.String({ format: 'date-time', description: 'When the access token was last refreshed' })),
    dateValidUntil: Nullable(Type.String({ format: 'date-time', description: 'When the access token expires' })),
    dateDeleted: Type.Null(),
    refreshFailureCount: Type.Integer({ description: 'Failed token renewals since the last successful one (or reconnect)' }),
    isRefreshing: Type.Literal(false),
    statusReason: Nullable(Type.String({ description: 'Why the status last changed between VALID and INVALID, e.g. the provider refusing to renew the token (invalid_grant); null if it never did. A Portico extension' })),
    dateStatusChanged: Nullable(Type.String({ format: 'date-time', description: 'When the status last changed between VALID and INVALID. A Portico extension' })),
    externalId: Type.Optional(Type.String({ description: "The app's own id for the credential (select it with ext:<externalId>)" })),
  },
  { $id: 'Credential', description: 'IConnectCredential of the official SDK: one connected account' },
);
export type Credential = Static<typeof Credential>;

/*
 * Fastify's serializer writes required properties first, then optional ones, each in schema order.
 * The fields of a connected integration sit between `enabled` and `allCredentials` on the wire, so
 * everything after `enabled` is declared optional to keep that order; `allCredentials` is still
 * always sent (the SDK calls `.flatMap` on it).
 */
export const IntegrationState = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Whether the default credential is VALID' }),
    credentialId: Type.Optional(Type.String({ description: 'The default credential: the oldest one. Absent when nothing is connected' })),
    credentialStatus: Type.Optional(SchemaRef(CredentialStatus)),
    providerId: Type.Optional(Nullable(Type.String({ description: "The default credential's account id at the provider" }))),
    providerData: Type.Optional(OpenObject("The default credential's provider details")),
    credentialConfigId: Type.Optional(Type.String({ description: 'The default configuration of the default credential' })),
    configMeta: Type.Optional(OpenObject('Flags of that configuration')),
    sharedSettings: Type.Optional(OpenObject('Integration User Settings of that configuration')),
    workflowSettings: Type.Optional(SchemaRef(WorkflowSettings)),
    configuredWorkflows: Type.Optional(SchemaRef(WorkflowSettings, { deprecated: true, description: 'Same as workflowSettings, for SDK 1.x' })),
    allCredentials: Type.Optional(Type.Array(SchemaRef(Credential), { description: 'Always sent: every credential of the user for the integration, the default first; [] when nothing is connected' })),
    externalId: Type.Optional(Type.String({ description: 'externalId of the default configuration, when it has one' })),
  },
  { $id: 'IntegrationState', description: "A user's state of one integration in GET /sdk/me; credential fields appear once the user has connected it" },
);
export type IntegrationState = Static<typeof IntegrationState>;

export const IntegrationStates = MapOf(SchemaRef(IntegrationState), { description: 'Every integration of the project, by integration type' });

export const UninstalledIntegration = Type.Object(
  {
    integrationId: Type.String(),
    integrationType: Type.String(),
    deletedCredentialIds: Type.Array(Type.String(), { description: 'The credentials deleted, with their configurations and workflow states' }),
  },
  { description: 'What the disconnect removed' },
);
export type UninstalledIntegration = Static<typeof UninstalledIntegration>;

/** Headers the SDK sends to pick a credential and configuration other than the defaults. */
export const CredentialHeaders = Type.Object({
  'x-paragon-credential': Type.Optional(Type.String({ maxLength: 256, description: 'Credential id, externalId or ext:<externalId>' })),
  'x-paragon-configuration-id': Type.Optional(Type.String({ maxLength: 256, description: 'Configuration id or ext:<externalId>' })),
});

const WorkflowSettingsPatch = Type.Record(
  Type.String({ maxLength: 128 }),
  Type.Object({ enabled: Type.Boolean(), settings: Type.Optional(AnyObject) }, { additionalProperties: true }),
);

/** Body of `PATCH /sdk/credentials/{id}`: settings replaced in the selected configuration. */
export const UserSettingsBody = Type.Object({
  config: Type.Object({
    sharedSettings: Type.Optional(AnyObject),
    workflowSettings: Type.Optional(WorkflowSettingsPatch),
    configuredWorkflows: Type.Optional(WorkflowSettingsPatch),
  }, { additionalProperties: true }),
}, { additionalProperties: true });

export type SettingsPatch = Pick<Static<typeof UserSettingsBody>['config'], 'sharedSettings' | 'workflowSettings'>;

/** A credential as `PATCH /sdk/credentials/{id}` answers: with the settings' validation errors. */
export const UpdatedCredential = Type.Intersect(
  [SchemaRef(Credential), Type.Object({ errors: Type.Array(Type.String(), { description: 'Settings that could not be applied; always [] today' }) })],
  { description: 'The updated credential' },
);
export type UpdatedCredential = Static<typeof UpdatedCredential>;
