import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developer.box.com/guides/authentication/oauth2/ */
export const box = defineProvider({
  type: 'box',
  name: 'Box',
  brandColor: '#0061D5',
  icon: '/integrations/box.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://account.box.com/api/oauth2/authorize',
    tokenUrl: 'https://api.box.com/oauth2/token',
    // Scopes are set on the Box app; requesting none grants them all.
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_post',
    // Refresh tokens are single-use (and expire after 60 days).
    refresh: { mode: 'rotating' },
    revoke: { url: 'https://api.box.com/oauth2/revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: 'client_secret_post' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.box.com/2.0/users/me' },
    providerId: 'account.id',
    providerData: { login: { from: 'account.login' } },
  },
  // Paragon's proxy paths start after the version: `/files/{id}`.
  apiBaseUrl: 'https://api.box.com/2.0',
  docsUrl: 'https://developer.box.com/reference/',
  notes: ['PKCE is not documented for Box OAuth 2.0, so none is sent.', 'Uploads go to upload.box.com, which this base URL does not reach.'],
});
