import type { ConnectInput, TokenClientAuth } from './auth-config.ts';

/** What Portico knows about a built-in provider's OAuth (or API-key) connection. */
export interface BuiltInProvider {
  scheme: 'oauth2' | 'api_key';
  authorizationUrl?: string;
  tokenUrl?: string;
  defaultScopes?: readonly string[];
  scopeSeparator?: string;
  pkce?: boolean;
  clientAuth?: TokenClientAuth;
  authorizeParams?: Readonly<Record<string, string>>;
  accountUrl?: string;
  accountIdField?: string;
  revokeUrl?: string;
  apiBaseUrl?: string;
  inputs?: readonly ConnectInput[];
  postOAuthInputs?: readonly ConnectInput[];
}

/**
 * The provider catalog's connection data for a built-in type. Until the catalog lands, built-ins
 * know no endpoints: a project connects them by configuring `overrides`.
 */
export function builtInProvider(_type: string): BuiltInProvider | undefined {
  return undefined;
}
