/** The projects room's facade: what other rooms and the API may use. */
export { PLANS, isPlan } from './plans.ts';
export type { Plan } from './plans.ts';
export { ProjectCache } from './project-cache.ts';
export type { ProjectState } from './project-cache.ts';
export { findActiveApiKeyByHash } from './projects.repository.ts';
export { createProject, getProject, listProjects, listSigningKeys, projectsTrustingKey, rotateSigningKey } from './projects.service.ts';
export type { CreatedProject } from './projects.service.ts';
