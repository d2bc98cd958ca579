import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.hubspot.com/docs/api/oauth-quickstart-guide */
export const hubspot = defineProvider({
  type: 'hubspot',
  name: 'HubSpot',
  brandColor: '#FF7A59',
  icon: '/integrations/hubspot.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    defaultScopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.deals.read'],
    scopeSeparator: ' ',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'reusable' },
    revoke: { url: 'https://api.hubapi.com/oauth/v1/refresh-tokens/{token}', method: 'DELETE', token: 'refresh_token', tokenPlacement: 'url', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.hubapi.com/account-info/v3/details' },
    providerId: 'account.portalId',
    providerData: { uiDomain: { from: 'account.uiDomain' } },
  },
  apiBaseUrl: 'https://api.hubapi.com',
  docsUrl: 'https://developers.hubspot.com/docs/api/overview',
  notes: [
    'providerId is the HubSpot portal (hub) id, shared by every user of that portal; Paragon may use the user id instead.',
    'PKCE is not documented by HubSpot, so none is sent.',
    'HubSpot has introduced v3 token endpoints; the long-standing v1 endpoints are used here.',
  ],
});
