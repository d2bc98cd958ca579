import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.zoom.us/docs/integrations/oauth/ */
export const zoom = defineProvider({
  type: 'zoom',
  name: 'Zoom',
  brandColor: '#0B5CFF',
  icon: '/integrations/zoom.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://zoom.us/oauth/authorize',
    tokenUrl: 'https://zoom.us/oauth/token',
    // Scopes are set on the Zoom app and granted as configured.
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_basic',
    refresh: { mode: 'rotating' },
    revoke: { url: 'https://zoom.us/oauth/revoke', method: 'POST', token: 'access_token', tokenPlacement: 'form', clientAuth: 'client_secret_basic' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.zoom.us/v2/users/me' },
    providerId: 'account.id',
    providerData: { accountId: { from: 'account.account_id' }, email: { from: 'account.email' } },
  },
  // Paragon's proxy paths start after the version: `users/me/meetings`.
  apiBaseUrl: 'https://api.zoom.us/v2',
  docsUrl: 'https://developers.zoom.us/docs/api/',
  notes: ['Zoom documents that a refresh returns a new refresh token; whether the previous one stops working at once is not verified, so it is treated as rotating.'],
});
