import { BEARER_TOKEN } from './define-provider.ts';
import type { AccountSpec, OAuth2Auth } from './provider.schema.ts';

/*
 * Microsoft identity platform (v2.0 endpoints) settings, shared by Outlook, Microsoft Teams and
 * OneDrive, which all call Microsoft Graph.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */

export const MICROSOFT_GRAPH = 'https://graph.microsoft.com/v1.0';

/** The authorization-code flow on the `common` tenant with the product's Graph scopes. */
export function microsoftAuth(productScopes: readonly string[]): OAuth2Auth {
  return {
    scheme: 'oauth2',
    authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    defaultScopes: ['offline_access', 'openid', 'profile', 'User.Read', ...productScopes],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    // Each refresh answers a new refresh token; the old one stays valid until it expires.
    refresh: { mode: 'reusable' },
    apiAuthorization: BEARER_TOKEN,
  };
}

export const MICROSOFT_ACCOUNT: AccountSpec = {
  request: { method: 'GET', url: `${MICROSOFT_GRAPH}/me` },
  providerId: 'account.id',
  providerData: { userPrincipalName: { from: 'account.userPrincipalName' } },
};

export const MICROSOFT_NOTES: readonly string[] = [
  'Uses the `common` tenant (work, school and personal accounts); an app registered for a single tenant needs its tenant id instead, which is a project setting not modelled here.',
  'The identity platform has no endpoint to revoke one delegated token (only all of a user\'s sessions), so uninstall does not revoke at Microsoft.',
];
