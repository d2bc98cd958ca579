/** The integrations room's facade: what other rooms and the API may use. */
export { toSdkIntegration } from './integration-view.ts';
export { findProvider, listProviders } from './catalog.ts';
export { integrationMetadata } from './catalog-view.ts';
export type { IntegrationMetadata } from './catalog-view.ts';
export type { Provider } from './providers/provider.schema.ts';
export { createIntegration, listIntegrations } from './integrations.service.ts';
export type { Integration } from './integrations.service.ts';
