import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developer.zendesk.com/documentation/ticketing/working-with-oauth/creating-and-using-oauth-tokens-with-the-api/ */
export const zendesk = defineProvider({
  type: 'zendesk',
  name: 'Zendesk',
  brandColor: '#03363D',
  icon: '/integrations/zendesk.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://{subdomain}.zendesk.com/oauth/authorizations/new',
    tokenUrl: 'https://{subdomain}.zendesk.com/oauth/tokens',
    defaultScopes: ['read', 'write'],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'none' },
    revoke: { url: 'https://{subdomain}.zendesk.com/api/v2/oauth/tokens/current.json', method: 'DELETE', token: 'access_token', tokenPlacement: 'bearer', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [
    {
      id: 'subdomain',
      label: 'Zendesk subdomain',
      type: 'text',
      required: true,
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      example: 'acme',
      help: 'The part before .zendesk.com in your Zendesk address.',
      prefix: 'https://',
      suffix: '.zendesk.com',
    },
  ],
  account: {
    request: { method: 'GET', url: 'https://{subdomain}.zendesk.com/api/v2/users/me.json' },
    providerId: 'account.user.id',
    providerData: { subdomain: { from: 'input.subdomain', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', example: 'acme' } },
  },
  // Paragon's proxy paths start at the API version: `v2/tickets`.
  apiBaseUrl: 'https://{subdomain}.zendesk.com/api',
  docsUrl: 'https://developer.zendesk.com/api-reference/',
  notes: [
    'Zendesk OAuth clients can be set to issue expiring tokens with refresh tokens; this definition assumes the classic non-expiring tokens.',
    'Accounts on a custom host-mapped domain still authorize on their zendesk.com subdomain.',
  ],
});
