import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.asana.com/docs/oauth */
export const asana = defineProvider({
  type: 'asana',
  name: 'Asana',
  brandColor: '#F06A6A',
  icon: '/integrations/asana.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://app.asana.com/-/oauth_authorize',
    tokenUrl: 'https://app.asana.com/-/oauth_token',
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'reusable' },
    revoke: { url: 'https://app.asana.com/-/oauth_revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: 'client_secret_post' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://app.asana.com/api/1.0/users/me' },
    providerId: 'account.data.gid',
    providerData: { email: { from: 'account.data.email' } },
  },
  // Paragon's proxy paths start after the version: `tasks`.
  apiBaseUrl: 'https://app.asana.com/api/1.0',
  docsUrl: 'https://developers.asana.com/reference/rest-api-reference',
  notes: ['No default scopes: apps registered for full permissions need none, while apps using Asana\'s granular scopes must list them in the project\'s settings.'],
});
