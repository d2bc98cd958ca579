import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm */
export const salesforce = defineProvider({
  type: 'salesforce',
  name: 'Salesforce',
  brandColor: '#009EDB',
  icon: '/integrations/salesforce.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    defaultScopes: ['api', 'id', 'refresh_token'],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    refresh: {
      mode: 'reusable',
      // The token response has no expires_in; two hours is the default org session timeout.
      defaultExpiresInSeconds: 7200,
      rereadProviderData: ['instanceURL'],
    },
    revoke: { url: '{instanceURL}/services/oauth2/revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: 'none' },
    // The SDK knows these two ids (it rewrites package-install links for `sandbox`).
    accountTypes: [
      { id: 'default', description: 'account' },
      {
        id: 'sandbox',
        description: 'sandbox account',
        authorizationUrl: 'https://test.salesforce.com/services/oauth2/authorize',
        tokenUrl: 'https://test.salesforce.com/services/oauth2/token',
      },
    ],
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: '{instanceURL}/services/oauth2/userinfo' },
    providerId: 'account.user_id',
    providerData: {
      instanceURL: {
        from: 'token.instance_url',
        pattern: '^https://[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.(?:salesforce|force|cloudforce|database)\\.com$',
        example: 'https://acme.my.salesforce.com',
      },
      organizationId: { from: 'account.organization_id' },
    },
  },
  apiBaseUrl: '{instanceURL}/services/data/v60.0',
  docsUrl: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/',
  notes: [
    'The REST API version pinned in apiBaseUrl (v60.0) is a choice: Paragon\'s proxy also prefixes a version, but which one is not known.',
    'The instanceURL pattern admits *.salesforce.com, *.force.com, *.cloudforce.com and *.database.com; Government Cloud (.mil) and Hyperforce regions outside .com are not covered.',
    'Orgs with refresh-token rotation enabled in the connected app behave as `rotating`; the default is reusable.',
  ],
});
