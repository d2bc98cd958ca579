import { AppError } from '../../platform/errors.ts';
import type { ConnectInput, IntegrationAuthConfig, TokenClientAuth } from './auth-config.ts';
import { builtInProvider } from './builtin-providers.ts';

/** Everything the install flow and the token client need to run OAuth 2.0 for an integration (the client secret aside). */
export interface OAuthSettings {
  clientId: string;
  authorizationUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** How scopes are joined in the authorization URL. @default " " */
  scopeSeparator: string;
  /** Send a PKCE S256 challenge (and the verifier at the token endpoint). */
  pkce: boolean;
  clientAuth: TokenClientAuth;
  /** Extra authorization parameters the provider needs (e.g. `access_type=offline`). */
  authorizeParams: Readonly<Record<string, string>>;
  accountUrl?: string | undefined;
  accountIdField?: string | undefined;
  revokeUrl?: string | undefined;
  apiBaseUrl?: string | undefined;
  /** Asked after OAuth; the credential is PENDING until they are given. */
  postOAuthInputs: readonly ConnectInput[];
}

export type ConnectionMethod =
  | { scheme: 'oauth2'; oauth: OAuthSettings }
  | { scheme: 'api_key'; inputs: readonly ConnectInput[]; apiBaseUrl?: string | undefined };

/** The parts of an integration that say how users connect it. */
export interface ConnectableIntegration {
  type: string;
  name: string;
  config: IntegrationAuthConfig;
}

const isCustomType = (type: string) => type.startsWith('custom.');

/** `oauth2` or `api_key`: how users connect this integration once it is configured. */
export function schemeOf(integration: ConnectableIntegration): 'oauth2' | 'api_key' {
  if (isCustomType(integration.type)) return integration.config.auth?.scheme ?? 'oauth2';
  return builtInProvider(integration.type)?.scheme ?? 'oauth2';
}

function notConfigured(integration: ConnectableIntegration, missing: string[]): AppError {
  return AppError.from(
    'INTEGRATION_NOT_CONFIGURED',
    `${integration.name} (${integration.type}) cannot be connected yet: set ${missing.join(', ')} with PATCH /api/v1/projects/{projectId}/integrations/${integration.type}.`,
    { integrationType: integration.type, missing },
  );
}

/**
 * How users connect the integration, from the project's configuration over the built-in
 * provider's defaults; INTEGRATION_NOT_CONFIGURED names what is still missing.
 */
export function connectionMethod(integration: ConnectableIntegration): ConnectionMethod {
  const { config } = integration;
  if (isCustomType(integration.type)) {
    const auth = config.auth;
    if (!auth) throw notConfigured(integration, ['auth']);
    if (auth.scheme === 'api_key') return { scheme: 'api_key', inputs: auth.inputs ?? [], apiBaseUrl: config.apiBaseUrl };
    const missing = config.clientId ? [] : ['clientId'];
    if (missing.length > 0 || !auth.authorizationUrl || !auth.tokenUrl) throw notConfigured(integration, [...missing, ...(auth.authorizationUrl ? [] : ['auth.authorizationUrl']), ...(auth.tokenUrl ? [] : ['auth.tokenUrl'])]);
    return {
      scheme: 'oauth2',
      oauth: {
        clientId: config.clientId!,
        authorizationUrl: auth.authorizationUrl,
        tokenUrl: auth.tokenUrl,
        scopes: auth.scopes ?? [],
        scopeSeparator: ' ',
        pkce: auth.pkce ?? false,
        clientAuth: auth.clientAuth ?? 'body',
        authorizeParams: {},
        accountUrl: auth.accountUrl,
        accountIdField: auth.accountIdField,
        revokeUrl: auth.revokeUrl,
        apiBaseUrl: config.apiBaseUrl,
        postOAuthInputs: auth.postOAuthInputs ?? [],
      },
    };
  }
  const provider = builtInProvider(integration.type);
  const overrides = config.overrides ?? {};
  if (provider?.scheme === 'api_key') return { scheme: 'api_key', inputs: provider.inputs ?? [], apiBaseUrl: overrides.apiBaseUrl ?? provider.apiBaseUrl };
  const authorizationUrl = overrides.authorizationUrl ?? provider?.authorizationUrl;
  const tokenUrl = overrides.tokenUrl ?? provider?.tokenUrl;
  const missing = [
    ...(config.clientId ? [] : ['clientId']),
    ...(authorizationUrl ? [] : ['overrides.authorizationUrl']),
    ...(tokenUrl ? [] : ['overrides.tokenUrl']),
  ];
  if (missing.length > 0) throw notConfigured(integration, missing);
  return {
    scheme: 'oauth2',
    oauth: {
      clientId: config.clientId!,
      authorizationUrl: authorizationUrl!,
      tokenUrl: tokenUrl!,
      scopes: config.scopes ?? provider?.defaultScopes ?? [],
      scopeSeparator: provider?.scopeSeparator ?? ' ',
      pkce: provider?.pkce ?? false,
      clientAuth: provider?.clientAuth ?? 'body',
      authorizeParams: provider?.authorizeParams ?? {},
      accountUrl: overrides.accountUrl ?? provider?.accountUrl,
      accountIdField: provider?.accountIdField,
      revokeUrl: overrides.revokeUrl ?? provider?.revokeUrl,
      apiBaseUrl: overrides.apiBaseUrl ?? provider?.apiBaseUrl,
      postOAuthInputs: provider?.postOAuthInputs ?? [],
    },
  };
}

/** Inputs asked after OAuth (PENDING until given), or none when the integration is not configured yet. */
export function postOAuthInputsOf(integration: ConnectableIntegration): readonly ConnectInput[] {
  try {
    const method = connectionMethod(integration);
    return method.scheme === 'oauth2' ? method.oauth.postOAuthInputs : [];
  } catch {
    return [];
  }
}

/** Inputs of an API-key integration, or none. */
export function apiKeyInputsOf(integration: ConnectableIntegration): readonly ConnectInput[] {
  if (schemeOf(integration) !== 'api_key') return [];
  try {
    const method = connectionMethod(integration);
    return method.scheme === 'api_key' ? method.inputs : [];
  } catch {
    return [];
  }
}

/** The redirect URI Portico's OAuth callback answers at, to register at every provider: `{PORTICO_PUBLIC_URL}/oauth`. */
export function oauthRedirectUri(publicUrl: string): string {
  return `${publicUrl}/oauth`;
}
