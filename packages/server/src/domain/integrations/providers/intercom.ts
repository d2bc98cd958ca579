import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth */
export const intercom = defineProvider({
  type: 'intercom',
  name: 'Intercom',
  brandColor: '#1F8DED',
  icon: '/integrations/intercom.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://app.intercom.com/oauth',
    tokenUrl: 'https://api.intercom.io/auth/eagle/token',
    // Permissions are set on the Intercom app, not requested as scopes.
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.intercom.io/me' },
    providerId: 'account.app.id_code',
    providerData: { adminId: { from: 'account.id' }, email: { from: 'account.email' } },
  },
  apiBaseUrl: 'https://api.intercom.io',
  docsUrl: 'https://developers.intercom.com/docs/references/rest-api/api.intercom.io/',
  notes: [
    'Workspaces hosted in the EU or Australia use api.eu.intercom.io / api.au.intercom.io; only the US host is modelled.',
    'Intercom\'s only revocation is uninstalling the app from the workspace (POST /auth/uninstall), which would disconnect every user of that workspace, so uninstall does not revoke.',
    'providerId is the workspace id (`app.id_code`); the admin id is in providerData.',
  ],
});
