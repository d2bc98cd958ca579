/** The connections room's facade: what other rooms and the API may use. */
export { connectionsJson, credentialsFromJson, integrationStates } from './credential-view.ts';
export type { ConnectionsJson } from './credential-view.ts';
export {
  Credential, CredentialConfiguration, CredentialHeaders, CredentialStatus, IntegrationState, IntegrationStates,
  UninstalledIntegration, UpdatedCredential, UserSettingsBody, WorkflowSettings,
} from './credential.schema.ts';
export { lockCredentialConfig, touchCredential } from './credentials.repository.ts';
export {
  createCredential, credentialsOfUsers, findCredential, importCredential, integrationAccount, integrationOf, readSecrets, selectConfiguration, selectCredential,
  uninstallIntegration, updateUserSettings, userCredentials,
} from './credentials.service.ts';
export type { CredentialSecrets } from './credentials.service.ts';
export { usableSecrets } from './credential-access.ts';
export { transitionCredential } from './credential-health.ts';
export type { StatusTransition, TransitionSubject } from './credential-health.ts';
export { CREDENTIAL_REFRESH_SWEEP_JOB, registerCredentialRefresher, sweepExpiringCredentials } from './credential-refresher.ts';
export { CREDENTIAL_REFRESH_JOB } from './renewal-schedule.ts';
export { CREDENTIAL_REVOKE_JOB, registerCredentialRevocation } from './credential-revocation.ts';
export type { RenewalJob } from './renewal-schedule.ts';
export { RENEWAL_LEAD_CAP_MS, renewalTime } from './renewal-rule.ts';
export { checkInputs } from './connect-inputs.ts';
export { completeSetup, installTarget, installWithInputs, oauthIntegration, parseInstallOptions } from './install.service.ts';
export type { InstallOptions, InstallTarget } from './install.service.ts';
export * from './oauth/index.ts';
export { IntegrationAccount } from './integration-account.schema.ts';
export { newestSealedCredential, resealCredentialSecrets, secretsBinding } from './secrets-at-rest.ts';
export type { ResealReport } from './secrets-at-rest.ts';
export { SETTINGS_LIMITS, checkSettings } from './settings-limits.ts';
export { connectedIntegrationIds } from './credentials.repository.ts';
export * from './proxy/index.ts';
export { eraseUserConnections } from './credential-erasure.ts';
export type { ErasedConnections } from './credential-erasure.ts';
