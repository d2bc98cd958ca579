/**
 * OAuth 2.0 for connections: the token endpoint client (for the install flow, the refresher and
 * the proxy), account lookup, PKCE, and the install flow itself. The connections room's facade
 * (`../index.ts`) re-exports what other rooms and the API use.
 */
export { AccountLookupError, apiAuthorizationHeaders, identifyAccount, identityFrom, identityFromIdToken } from './account.ts';
export type { AccountIdentity, AccountSources } from './account.ts';
export { checkNonceCookie, clearNonceCookie, issueNonceCookie, nonceCookieName } from './nonce-cookie.ts';
export type { NonceSubject } from './nonce-cookie.ts';
export {
  OAUTH_FLOW_PRUNE_JOB, checkPostMessageOrigin, completeOAuthFlow, forgetOAuthSession, oauthSession, registerOAuthFlowPruning, startOAuthFlow,
} from './oauth-flow.service.ts';
export type { CallbackOutcome, CallbackRequest, StartFlowRequest } from './oauth-flow.service.ts';
export { createPkcePair } from './pkce.ts';
export type { PkcePair } from './pkce.ts';
export { TokenEndpointError, exchangeCode, expiresAtOf, refreshToken } from './token-client.ts';
export type { TokenEndpoint, TokenErrorKind, TokenRequestOptions, TokenSet } from './token-client.ts';
