import { AppError } from '../../platform/errors.ts';
import type { ConnectInput, IntegrationAuthConfig, TokenClientAuth } from './auth-config.ts';
import { findProvider } from './catalog.ts';
import type { AccountSpec, ApiAuthorization, Provider, ProviderInput, RevokeSpec } from './providers/provider.schema.ts';

/** How the connected account's identity (`providerId`, `providerData`) is found after connecting. */
export type AccountLookup =
  /** A custom integration's account endpoint (an OpenID userinfo endpoint): the id at `idField`, else `sub`, else `id`. */
  | { kind: 'userinfo'; url: string; idField?: string | undefined }
  /** A built-in provider's `account` spec: value references into the inputs, token answer, callback and account call. */
  | { kind: 'catalog'; spec: Readonly<AccountSpec>; apiAuthorization: Readonly<ApiAuthorization>; apiHeaders: Readonly<Record<string, string>>; urlOverride?: string | undefined }
  /** Nothing to call: the `sub` of an OpenID id_token, when the token answer has one. */
  | { kind: 'id_token' };

/** Everything the install flow and the token client need to run OAuth 2.0 for an integration (the client secret aside). */
export interface OAuthSettings {
  clientId: string;
  /** May hold `{input}` placeholders (Shopify's shop): fill them with the pre-OAuth input values. */
  authorizationUrl: string;
  /** May hold `{input}` placeholders, like `authorizationUrl`. */
  tokenUrl: string;
  scopes: readonly string[];
  /** How scopes are joined in the authorization URL. @default " " */
  scopeSeparator: string;
  /** Send a PKCE S256 challenge (and the verifier at the token endpoint). */
  pkce: boolean;
  clientAuth: TokenClientAuth;
  /** Encoding of token request bodies. @default "form" */
  tokenBodyEncoding: 'form' | 'json';
  /** Extra authorization parameters the provider needs (e.g. `access_type=offline`). */
  authorizeParams: Readonly<Record<string, string>>;
  /** Asked before OAuth (the SDK's authConfigInputs); their values fill URL placeholders and are kept with the credential. */
  preOAuthInputs: readonly ConnectInput[];
  /** Asked after OAuth; the credential is PENDING until they are given. */
  postOAuthInputs: readonly ConnectInput[];
  account: AccountLookup;
  /** Lifetime to assume when the token answer has no `expires_in`. */
  defaultExpiresInSeconds?: number | undefined;
  apiBaseUrl?: string | undefined;
  revokeUrl?: string | undefined;
  /** How uninstall revokes the grant at the provider; absent when the provider has no revocation endpoint. */
  revoke?: RevokeSpec | undefined;
}

export type ConnectionMethod =
  | { scheme: 'oauth2'; oauth: OAuthSettings }
  | { scheme: 'api_key'; inputs: readonly ConnectInput[]; account?: AccountLookup | undefined; apiBaseUrl?: string | undefined };

/** The parts of an integration that say how users connect it. */
export interface ConnectableIntegration {
  type: string;
  name: string;
  config: IntegrationAuthConfig;
}

const isCustomType = (type: string) => type.startsWith('custom.');

/** `oauth2` or `api_key`: how users connect this integration once it is configured. */
export function schemeOf(integration: Pick<ConnectableIntegration, 'type' | 'config'>): 'oauth2' | 'api_key' {
  if (isCustomType(integration.type)) return integration.config.auth?.scheme ?? 'oauth2';
  return findProvider(integration.type)?.auth.scheme ?? 'oauth2';
}

function notConfigured(integration: ConnectableIntegration, missing: string[]): AppError {
  return AppError.from(
    'INTEGRATION_NOT_CONFIGURED',
    `${integration.name} (${integration.type}) cannot be connected yet: set ${missing.join(', ')} with PATCH /api/v1/projects/{projectId}/integrations/${integration.type}.`,
    { integrationType: integration.type, missing },
  );
}

/** A catalog input in the shape custom integrations use. */
function fromProviderInput(input: ProviderInput): ConnectInput {
  const converted: ConnectInput = { id: input.id, title: input.label, type: input.type, required: input.required };
  if (input.pattern !== undefined) converted.pattern = input.pattern;
  if (input.example !== undefined) converted.placeholder = input.example;
  return converted;
}

function catalogAccount(provider: Readonly<Provider>, urlOverride: string | undefined): AccountLookup {
  return { kind: 'catalog', spec: provider.account, apiAuthorization: provider.auth.apiAuthorization, apiHeaders: provider.apiHeaders ?? {}, urlOverride };
}

function customMethod(integration: ConnectableIntegration): ConnectionMethod {
  const { config } = integration;
  const auth = config.auth;
  if (!auth) throw notConfigured(integration, ['auth']);
  if (auth.scheme === 'api_key') return { scheme: 'api_key', inputs: auth.inputs ?? [], apiBaseUrl: config.apiBaseUrl };
  const missing = [...(config.clientId ? [] : ['clientId']), ...(auth.authorizationUrl ? [] : ['auth.authorizationUrl']), ...(auth.tokenUrl ? [] : ['auth.tokenUrl'])];
  if (missing.length > 0) throw notConfigured(integration, missing);
  return {
    scheme: 'oauth2',
    oauth: {
      clientId: config.clientId!,
      authorizationUrl: auth.authorizationUrl!,
      tokenUrl: auth.tokenUrl!,
      scopes: auth.scopes ?? [],
      scopeSeparator: ' ',
      pkce: auth.pkce ?? false,
      clientAuth: auth.clientAuth ?? 'body',
      tokenBodyEncoding: 'form',
      authorizeParams: {},
      preOAuthInputs: [],
      postOAuthInputs: auth.postOAuthInputs ?? [],
      account: auth.accountUrl ? { kind: 'userinfo', url: auth.accountUrl, idField: auth.accountIdField } : { kind: 'id_token' },
      apiBaseUrl: config.apiBaseUrl,
      revokeUrl: auth.revokeUrl,
      revoke: auth.revokeUrl ? rfc7009Revoke(auth.revokeUrl, auth.clientAuth ?? 'body') : undefined,
    },
  };
}

/** An RFC 7009 revocation endpoint: the refresh token (the whole grant) as a form post, the client authenticated as at the token endpoint. */
function rfc7009Revoke(url: string, clientAuth: TokenClientAuth): RevokeSpec {
  return { url, method: 'POST', token: 'refresh_token', tokenPlacement: 'form', clientAuth: clientAuth === 'basic' ? 'client_secret_basic' : 'client_secret_post' };
}

function builtInMethod(integration: ConnectableIntegration, provider: Readonly<Provider>): ConnectionMethod {
  const { config } = integration;
  const overrides = config.overrides ?? {};
  const { auth } = provider;
  const inputs = provider.inputs.map(fromProviderInput);
  if (auth.scheme === 'api_key') {
    return { scheme: 'api_key', inputs, account: catalogAccount(provider, overrides.accountUrl), apiBaseUrl: overrides.apiBaseUrl ?? provider.apiBaseUrl };
  }
  if (!config.clientId) throw notConfigured(integration, ['clientId']);
  return {
    scheme: 'oauth2',
    oauth: {
      clientId: config.clientId,
      authorizationUrl: overrides.authorizationUrl ?? auth.authorizationUrl,
      tokenUrl: overrides.tokenUrl ?? auth.tokenUrl,
      scopes: config.scopes ?? auth.defaultScopes,
      scopeSeparator: auth.scopeSeparator,
      pkce: auth.pkce !== 'none',
      clientAuth: auth.tokenAuthMethod === 'client_secret_basic' ? 'basic' : 'body',
      tokenBodyEncoding: auth.tokenBodyEncoding ?? 'form',
      authorizeParams: auth.authorizeParams ?? {},
      preOAuthInputs: inputs,
      postOAuthInputs: [],
      account: catalogAccount(provider, overrides.accountUrl),
      defaultExpiresInSeconds: auth.refresh.defaultExpiresInSeconds,
      apiBaseUrl: overrides.apiBaseUrl ?? provider.apiBaseUrl,
      revokeUrl: overrides.revokeUrl ?? auth.revoke?.url,
      revoke: auth.revoke
        ? { ...auth.revoke, url: overrides.revokeUrl ?? auth.revoke.url }
        : overrides.revokeUrl ? rfc7009Revoke(overrides.revokeUrl, auth.tokenAuthMethod === 'client_secret_basic' ? 'basic' : 'body') : undefined,
    },
  };
}

/**
 * How users connect the integration: the project's definition for a custom integration; the
 * provider catalog, with the project's client id, scopes and endpoint overrides, for a built-in.
 * INTEGRATION_NOT_CONFIGURED names what is still missing.
 */
export function connectionMethod(integration: ConnectableIntegration): ConnectionMethod {
  if (isCustomType(integration.type)) return customMethod(integration);
  const provider = findProvider(integration.type);
  if (!provider) throw notConfigured(integration, ['type (no provider of this type is in the catalog)']);
  return builtInMethod(integration, provider);
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

/** Inputs of a custom API-key integration (the SDK's customIntegration.inputFields), or none. */
export function apiKeyInputsOf(integration: ConnectableIntegration): readonly ConnectInput[] {
  if (!isCustomType(integration.type) || schemeOf(integration) !== 'api_key') return [];
  return integration.config.auth?.inputs ?? [];
}

/** The redirect URI Portico's OAuth callback answers at, to register at every provider: `{PORTICO_PUBLIC_URL}/oauth`. */
export function oauthRedirectUri(publicUrl: string): string {
  return `${publicUrl}/oauth`;
}
