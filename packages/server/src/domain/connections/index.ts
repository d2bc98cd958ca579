/** The connections room's facade: what other rooms and the API may use. */
export { integrationStates } from './credential-view.ts';
export type { IntegrationState } from './credential-view.ts';
export { lockCredentialConfig, touchCredential } from './credentials.repository.ts';
export { createCredential, findCredential, importCredential, integrationOf, readSecrets, selectConfiguration, selectCredential, uninstallIntegration, updateUserSettings, userCredentials } from './credentials.service.ts';
export { newestSealedCredential, resealCredentialSecrets, secretsBinding } from './secrets-at-rest.ts';
export type { ResealReport } from './secrets-at-rest.ts';
