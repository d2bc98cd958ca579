import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.linear.app/docs/oauth/authentication */
export const linear = defineProvider({
  type: 'linear',
  name: 'Linear',
  brandColor: '#5E6AD2',
  icon: '/integrations/linear.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://linear.app/oauth/authorize',
    tokenUrl: 'https://api.linear.app/oauth/token',
    defaultScopes: ['read', 'write'],
    scopeSeparator: ',',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'reusable' },
    revoke: { url: 'https://api.linear.app/oauth/revoke', method: 'POST', token: 'access_token', tokenPlacement: 'bearer', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: {
      method: 'POST',
      url: 'https://api.linear.app/graphql',
      headers: { 'Content-Type': 'application/json' },
      body: '{"query":"{ viewer { id email organization { id urlKey } } }"}',
    },
    providerId: 'account.data.viewer.id',
    providerData: {
      organizationId: { from: 'account.data.viewer.organization.id' },
      urlKey: { from: 'account.data.viewer.organization.urlKey' },
    },
  },
  // The API is one GraphQL endpoint; Paragon's proxy posts to `/`.
  apiBaseUrl: 'https://api.linear.app/graphql',
  docsUrl: 'https://developers.linear.app/docs/graphql/working-with-the-graphql-api',
  notes: [
    'Linear historically issued long-lived access tokens without refresh tokens and has moved to expiring tokens with refresh tokens; whether its refresh tokens rotate is not verified, `reusable` is assumed.',
    'GraphQL errors come back with HTTP 200 and an `errors` array.',
  ],
});
