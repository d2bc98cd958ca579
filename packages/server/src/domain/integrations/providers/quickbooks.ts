import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

const REALM_ID = '^[0-9]{1,20}$';

/** https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0 */
export const quickbooks = defineProvider({
  type: 'quickbooks',
  name: 'QuickBooks',
  brandColor: '#2CA01C',
  icon: '/integrations/quickbooks.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    defaultScopes: ['com.intuit.quickbooks.accounting'],
    scopeSeparator: ' ',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_basic',
    // Intuit may answer a new refresh token on any refresh; only the latest one is guaranteed valid.
    refresh: { mode: 'rotating' },
    revoke: { url: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'json', clientAuth: 'client_secret_basic' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    // The company (realm) comes back as a query parameter of the OAuth redirect.
    request: { method: 'GET', url: 'https://quickbooks.api.intuit.com/v3/company/{realmId}/companyinfo/{realmId}', headers: { Accept: 'application/json' } },
    providerId: 'callback.realmId',
    providerData: {
      realmId: { from: 'callback.realmId', pattern: REALM_ID, example: '9130355377387016' },
      companyName: { from: 'account.CompanyInfo.CompanyName' },
    },
  },
  // Paragon's proxy paths start inside the company: `/customer`.
  apiBaseUrl: 'https://quickbooks.api.intuit.com/v3/company/{realmId}',
  apiHeaders: { Accept: 'application/json' },
  docsUrl: 'https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account',
  notes: [
    'Apps using development keys must call sandbox-quickbooks.api.intuit.com instead; that is a property of the project\'s keys, not modelled here.',
    'PKCE is not documented by Intuit, so none is sent.',
  ],
});
