import { BEARER_TOKEN } from './define-provider.ts';
import type { AccountSpec, OAuth2Auth } from './provider.schema.ts';

/*
 * Google's OAuth 2.0 settings, shared by Gmail, Google Drive, Google Calendar and Google Sheets:
 * the products differ only in scopes and API base.
 * https://developers.google.com/identity/protocols/oauth2/web-server
 */

/** Google's web-server flow with the product's scopes added to the identity scopes. */
export function googleAuth(productScopes: readonly string[]): OAuth2Auth {
  return {
    scheme: 'oauth2',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    defaultScopes: ['openid', 'email', ...productScopes],
    scopeSeparator: ' ',
    pkce: 'supported',
    // Without offline access there is no refresh token; without consent a reconnect gets none either.
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
    tokenAuthMethod: 'client_secret_post',
    refresh: { mode: 'reusable' },
    revoke: { url: 'https://oauth2.googleapis.com/revoke', method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: 'none' },
    apiAuthorization: BEARER_TOKEN,
  };
}

/**
 * Google APIs a Google credential may reach through the proxy with a full URL, whatever the
 * product's base URL: one OAuth grant covers every API its scopes allow.
 */
export const GOOGLE_API_ORIGINS: readonly string[] = [
  'https://www.googleapis.com', 'https://gmail.googleapis.com', 'https://sheets.googleapis.com', 'https://docs.googleapis.com',
  'https://slides.googleapis.com', 'https://people.googleapis.com', 'https://forms.googleapis.com', 'https://content.googleapis.com',
];

/** The OpenID Connect userinfo of the signed-in Google account. */
export const GOOGLE_ACCOUNT: AccountSpec = {
  request: { method: 'GET', url: 'https://openidconnect.googleapis.com/v1/userinfo' },
  providerId: 'account.sub',
  providerData: { email: { from: 'account.email' } },
};

export const GOOGLE_NOTES: readonly string[] = [
  'Revoking a Google token revokes the whole grant of that OAuth client for that user: when several Google integrations of a project share one client id, uninstalling one also disconnects the others.',
  'providerId is the OpenID `sub` (stable); Paragon may use the e-mail address instead, which is kept in providerData.email.',
];
