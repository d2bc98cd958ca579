import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

const COMPANY_DOMAIN = '^https://[a-z0-9][a-z0-9-]*\\.pipedrive\\.com$';

/** https://pipedrive.readme.io/docs/marketplace-oauth-authorization */
export const pipedrive = defineProvider({
  type: 'pipedrive',
  name: 'Pipedrive',
  brandColor: '#1A1A1A',
  icon: '/integrations/pipedrive.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
    tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    // Scopes are chosen on the Marketplace app, not requested.
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_basic',
    refresh: { mode: 'reusable', rereadProviderData: ['apiDomain'] },
    revoke: { url: 'https://oauth.pipedrive.com/oauth/revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: 'client_secret_basic' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: '{apiDomain}/api/v1/users/me' },
    providerId: 'account.data.id',
    providerData: {
      apiDomain: { from: 'token.api_domain', pattern: COMPANY_DOMAIN, example: 'https://acme.pipedrive.com' },
      companyId: { from: 'account.data.company_id' },
    },
  },
  // Paragon's proxy paths start after the version: `/persons`.
  apiBaseUrl: '{apiDomain}/api/v1',
  docsUrl: 'https://developers.pipedrive.com/docs/api/v1',
  notes: [
    'Whether Pipedrive returns a new refresh token on each refresh is not documented clearly; storing any returned one covers both cases, but concurrent refreshes are not guarded as for `rotating`.',
    'The company domain from the token response is used as API host, as Pipedrive recommends; api.pipedrive.com would also work.',
  ],
});
