/** The user-tokens room's facade: what other rooms and the API may use. */
export { verifyRs256FastPath } from './rs256-fast-path.ts';
export { UserTokenVerifier } from './user-token.ts';
