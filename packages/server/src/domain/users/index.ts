/** The users room's facade: what other rooms and the API may use. */
export { checkPatch } from './metadata.ts';
export { SdkMeCache } from './sdk-me-cache.ts';
export { buildSdkMe, sdkMeJson } from './sdk-me.ts';
export { ensureUserIn, findUser, patchUserMeta, resolveUser } from './users.service.ts';
export type { ConnectedUser } from './users.service.ts';
