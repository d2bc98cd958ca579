import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.dropbox.com/oauth-guide */
export const dropbox = defineProvider({
  type: 'dropbox',
  name: 'Dropbox',
  brandColor: '#0061FF',
  icon: '/integrations/dropbox.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    defaultScopes: ['account_info.read', 'files.metadata.read', 'files.content.read', 'files.content.write'],
    scopeSeparator: ' ',
    pkce: 'supported',
    // Without offline access Dropbox issues no refresh token.
    authorizeParams: { token_access_type: 'offline' },
    tokenAuthMethod: 'client_secret_basic',
    refresh: { mode: 'reusable' },
    revoke: { url: 'https://api.dropboxapi.com/2/auth/token/revoke', method: 'POST', token: 'access_token', tokenPlacement: 'bearer', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    // An RPC endpoint without arguments: no body and no Content-Type.
    request: { method: 'POST', url: 'https://api.dropboxapi.com/2/users/get_current_account' },
    providerId: 'token.account_id',
    providerData: { email: { from: 'account.email' } },
  },
  // Paragon's proxy paths carry the version: `/2/files/list_folder`.
  apiBaseUrl: 'https://api.dropboxapi.com',
  docsUrl: 'https://www.dropbox.com/developers/documentation/http/documentation',
  notes: ['Content upload and download endpoints live on content.dropboxapi.com, which this single base URL does not reach.'],
});
