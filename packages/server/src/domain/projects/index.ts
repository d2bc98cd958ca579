/** The projects room's facade: what other rooms and the API may use. */
export { ApiKeyCache } from './api-key-cache.ts';
export type { ApiKeyGrant } from './api-key-cache.ts';
export {
  ADMIN_SCOPE, API_KEY_ROTATION_OVERLAP_SECONDS, API_KEY_SCOPES, createApiKey, deleteApiKey, grants, listApiKeys, recordApiKeyUse, rotateApiKey,
} from './api-keys.service.ts';
export type { ApiKeyScope, ApiKeyView, CreatedApiKey, RotatedApiKey } from './api-keys.service.ts';
export type { KeyState, RetiredKey } from './key-lifecycle.ts';
export { PLANS, isPlan } from './plans.ts';
export type { Plan } from './plans.ts';
export { ProjectCache } from './project-cache.ts';
export type { ProjectState, ProjectSigningKey } from './project-cache.ts';
export { ApiKeyInfo, CreateApiKeyBody, NewApiKey, NewSigningKey, SdkProject, SigningKey } from './project.schema.ts';
export { toSdkProject } from './project-view.ts';
export { createProject, getProject, listProjects, projectsTrustingKey, secretMetaKeysIn, setProjectPlan, updateSecretMetaKeys } from './projects.service.ts';
export type { CreatedProject, Project } from './projects.service.ts';
export {
  DEFAULT_SIGNING_KEY_GRACE_SECONDS, MAX_SIGNING_KEY_GRACE_SECONDS, listSigningKeys, rotateSigningKey,
} from './signing-keys.service.ts';
export type { RotatedSigningKey, SigningKeyRotation, SigningKeyView } from './signing-keys.service.ts';
