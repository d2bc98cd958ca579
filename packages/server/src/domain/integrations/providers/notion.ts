import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://developers.notion.com/docs/authorization */
export const notion = defineProvider({
  type: 'notion',
  name: 'Notion',
  brandColor: '#000000',
  icon: '/integrations/notion.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://api.notion.com/v1/oauth/authorize',
    tokenUrl: 'https://api.notion.com/v1/oauth/token',
    // Capabilities are chosen in the integration's settings, not requested as scopes.
    defaultScopes: [],
    scopeSeparator: ' ',
    pkce: 'none',
    authorizeParams: { owner: 'user' },
    tokenAuthMethod: 'client_secret_basic',
    tokenBodyEncoding: 'json',
    refresh: { mode: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    providerId: 'token.workspace_id',
    providerData: {
      workspaceName: { from: 'token.workspace_name' },
      botId: { from: 'token.bot_id' },
    },
  },
  // Paragon's proxy paths carry the version: `/v1/pages`.
  apiBaseUrl: 'https://api.notion.com',
  apiHeaders: { 'Notion-Version': '2022-06-28' },
  docsUrl: 'https://developers.notion.com/reference',
  notes: [
    'Public-integration tokens have historically not expired; newer Notion token responses may carry a refresh token, which this definition does not use.',
    'No revoke endpoint is used: Notion documents none for a long time and the newer one has not been verified.',
    'providerId is the workspace id; Paragon may use the bot id (one per connection) instead.',
  ],
});
