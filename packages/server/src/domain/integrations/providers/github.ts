import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps */
export const github = defineProvider({
  type: 'github',
  name: 'GitHub',
  brandColor: '#24292F',
  icon: '/integrations/github.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    defaultScopes: ['repo', 'read:user'],
    scopeSeparator: ' ',
    pkce: 'supported',
    tokenAuthMethod: 'client_secret_post',
    // OAuth-app tokens do not expire.
    refresh: { mode: 'none' },
    revoke: {
      url: 'https://api.github.com/applications/{clientId}/token',
      method: 'DELETE',
      token: 'access_token',
      tokenPlacement: 'json',
      tokenField: 'access_token',
      clientAuth: 'client_secret_basic',
    },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    request: { method: 'GET', url: 'https://api.github.com/user' },
    providerId: 'account.id',
    providerData: { login: { from: 'account.login' } },
  },
  apiBaseUrl: 'https://api.github.com',
  apiHeaders: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
  docsUrl: 'https://docs.github.com/rest',
  notes: [
    'Written for OAuth apps. GitHub Apps with expiring user tokens (8 h, rotating refresh tokens) would need refresh mode `rotating`.',
    'GitHub added PKCE support in 2025; older GitHub Enterprise Server versions ignore the challenge.',
    'The API refuses requests without a User-Agent header; the proxy must send one.',
  ],
});
