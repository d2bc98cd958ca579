/** The integrations room's facade: what other rooms and the API may use. */
export { apiAccessOf } from './api-access.ts';
export type { ApiAccess } from './api-access.ts';
export type { ConnectInput, IntegrationAuthConfig } from './auth-config.ts';
export { canonicalType, findProvider, listProviders } from './catalog.ts';
export { integrationMetadata } from './catalog-view.ts';
export type { IntegrationMetadata } from './catalog-view.ts';
export { newestSealedClientSecret, readClientSecret, resealClientSecrets } from './client-secrets.ts';
export type { ClientSecretResealReport } from './client-secrets.ts';
export { connectionMethod, oauthRedirectUri } from './connection-method.ts';
export type { AccountLookup, ConnectionMethod, OAuthSettings } from './connection-method.ts';
export { CreateIntegrationBody, ProjectIntegration, UpdateIntegrationBody, UserSettingInput } from './integration.schema.ts';
export { toProjectIntegration, toSdkIntegration } from './integration-view.ts';
export { createIntegration, listIntegrations, updateIntegration } from './integrations.service.ts';
export type { AccountSpec, ApiAuthorization, Provider, RevokeSpec } from './providers/provider.schema.ts';
export { fillTemplate, placeholders } from './providers/template.ts';
export type { Integration } from './integrations.service.ts';
export { SdkIntegration } from './sdk-integration.schema.ts';
