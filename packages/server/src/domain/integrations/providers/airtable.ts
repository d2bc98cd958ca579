import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://airtable.com/developers/web/api/oauth-reference */
export const airtable = defineProvider({
  type: 'airtable',
  name: 'Airtable',
  brandColor: '#18BFFF',
  icon: '/integrations/airtable.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://airtable.com/oauth2/v1/authorize',
    tokenUrl: 'https://airtable.com/oauth2/v1/token',
    defaultScopes: ['data.records:read', 'data.records:write', 'schema.bases:read', 'user.email:read'],
    scopeSeparator: ' ',
    pkce: 'required',
    tokenAuthMethod: 'client_secret_basic',
    // Refresh tokens are single-use.
    refresh: { mode: 'rotating' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.airtable.com/v0/meta/whoami' },
    providerId: 'account.id',
    providerData: { email: { from: 'account.email' } },
  },
  // Paragon's proxy paths start at the base: `/<baseId>/<table>`.
  apiBaseUrl: 'https://api.airtable.com/v0',
  docsUrl: 'https://airtable.com/developers/web/api/introduction',
  notes: ['No revocation endpoint is documented by Airtable; uninstall does not revoke.'],
});
