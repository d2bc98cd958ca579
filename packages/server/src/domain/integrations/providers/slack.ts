import { BEARER_TOKEN, defineProvider } from './define-provider.ts';

/** https://api.slack.com/authentication/oauth-v2 */
export const slack = defineProvider({
  type: 'slack',
  name: 'Slack',
  brandColor: '#4A154B',
  icon: '/integrations/slack.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    defaultScopes: ['channels:read', 'chat:write', 'users:read'],
    scopeSeparator: ',',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_post',
    // Bot tokens do not expire unless the app opts in to token rotation.
    refresh: { mode: 'none' },
    revoke: { url: 'https://slack.com/api/auth.revoke', method: 'POST', token: 'access_token', tokenPlacement: 'bearer', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  },
  inputs: [],
  account: {
    providerId: 'token.team.id',
    providerData: {
      teamName: { from: 'token.team.name' },
      botUserId: { from: 'token.bot_user_id' },
      authedUserId: { from: 'token.authed_user.id' },
    },
  },
  apiBaseUrl: 'https://slack.com/api',
  // File downloads (url_private) are on files.slack.com and take the same bearer token.
  apiOrigins: ['https://files.slack.com'],
  docsUrl: 'https://api.slack.com/methods',
  notes: [
    'defaultScopes are bot scopes (the `scope` parameter); user-token scopes go in `user_scope` and are not modelled.',
    'Slack answers HTTP 200 with {"ok": false, "error": ...} on failure, including at the token endpoint; the install flow and proxy must read `ok`.',
    'Apps with token rotation enabled get expiring tokens and rotating refresh tokens; this definition assumes rotation is off.',
    'providerId is the workspace (team) id; Paragon may use the installing user\'s id.',
  ],
});
