/** The users room's facade: what other rooms and the API may use. */
export { ActivityWrites } from './activity-writes.ts';
export { checkPatch } from './metadata.ts';
export { SdkMeCache } from './sdk-me-cache.ts';
export { SearchCounts } from './search-counts.ts';
export { MetaLists } from './meta-lists.ts';
export { SdkMe, UserMetadata } from './sdk-me.schema.ts';
export { buildSdkMe, cachedUserAnswer, connectedUserDetails, sdkMeJson } from './sdk-me.ts';
export { ConnectedUserDetails } from './user.schema.ts';
export { deleteUserRow, ensureUserIn, findUser, findUserById, lockUser, patchUserMeta, resolveUser, setUserActive, UserMetaWrites } from './users.service.ts';
export type { ConnectedUser } from './users.service.ts';
export { METADATA_LIMITS } from './metadata.ts';
export { EXACT_TOTAL_LIMIT, USER_SORTS, searchUsers, userIdsWithEmail } from './user-search.ts';
export type { UserSearch, UserSearchPage, UserSort } from './user-search.ts';
export { SECRET_META_JOB, SECRET_META_LIMITS, findUserForWorkflowsById, registerSecretMetaRewrite, resealUserSecretMeta, revealedUserMeta, setSecretMetaKeys, userMetaForWorkflows } from './secret-meta.service.ts';
export { SECRET_PLACEHOLDER } from './secret-meta.ts';
export type { SecretMetaResealReport } from './secret-meta.service.ts';
