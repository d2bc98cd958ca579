/** The integrations room's facade: what other rooms and the API may use. */
export { canonicalType } from './catalog.ts';
export { ProjectIntegration } from './integration.schema.ts';
export { toProjectIntegration, toSdkIntegration } from './integration-view.ts';
export { createIntegration, listIntegrations } from './integrations.service.ts';
export type { Integration } from './integrations.service.ts';
export { SdkIntegration } from './sdk-integration.schema.ts';
