import { BEARER_TOKEN } from './define-provider.ts';
import type { AccountSpec, OAuth2Auth } from './provider.schema.ts';

/*
 * Atlassian Cloud OAuth 2.0 (3LO) settings, shared by Jira and Confluence. Tokens are issued for
 * the user; API calls go through api.atlassian.com with the site's cloud id.
 * https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
 */

/** Atlassian 3LO with the product's scopes (`offline_access` for refresh tokens). */
export function atlassianAuth(productScopes: readonly string[]): OAuth2Auth {
  return {
    scheme: 'oauth2',
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    defaultScopes: [...productScopes, 'offline_access'],
    scopeSeparator: ' ',
    pkce: 'none',
    authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    tokenAuthMethod: 'client_secret_post',
    tokenBodyEncoding: 'json',
    refresh: { mode: 'rotating' },
    apiAuthorization: BEARER_TOKEN,
  };
}

/** The first site the grant gives access to: its cloud id is the account. */
export const ATLASSIAN_ACCOUNT: AccountSpec = {
  request: { method: 'GET', url: 'https://api.atlassian.com/oauth/token/accessible-resources' },
  providerId: 'account.0.id',
  providerData: {
    cloudId: { from: 'account.0.id', pattern: '^[0-9a-fA-F-]{36}$', example: '1324a887-45db-1bf4-1e99-ef0ff456d421' },
    siteUrl: { from: 'account.0.url' },
  },
};

export const ATLASSIAN_NOTES: readonly string[] = [
  'A user whose grant covers several sites gets the first one listed by accessible-resources; a site picker (post-OAuth input) is not modelled yet.',
  'providerId is the site\'s cloud id, not the Atlassian account id (that needs a second call to /me); what Paragon uses is not known.',
  'PKCE is not documented for Atlassian 3LO, so none is sent.',
  'Atlassian has no token revocation endpoint; uninstall does not revoke at Atlassian.',
];
