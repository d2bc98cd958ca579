import type { ConnectableIntegration } from './connection-method.ts';
import { findProvider } from './catalog.ts';
import { BEARER_TOKEN } from './providers/define-provider.ts';
import type { ApiAuthorization } from './providers/provider.schema.ts';

/** How to call an integration's API with one of its credentials: the proxy's and workflow steps' view of an integration. */
export interface ApiAccess {
  /** Base URL; may hold `{name}` placeholders filled from the credential's inputs and providerData. */
  baseUrl: string;
  /** Patterns a placeholder's value must match before it fills `baseUrl`, by name (inputs and providerData fields). */
  placeholderPatterns: Readonly<Record<string, string>>;
  /** The headers that carry the credential (templates over `accessToken`, inputs and providerData). */
  authorization: Readonly<ApiAuthorization>;
  /** Headers sent on every request (templates), e.g. `Notion-Version`. */
  headers: Readonly<Record<string, string>>;
  /** Other origins a full URL may name, besides the base URL's own. */
  extraOrigins: readonly string[];
}

/**
 * A custom API-key integration that does not say how its inputs authenticate (`auth.apiAuthorization`)
 * sends the key as a bearer token: the input `apiKey`, else the only password input, else the only input.
 */
function customKeyAuthorization(integration: ConnectableIntegration): ApiAuthorization | undefined {
  const inputs = integration.config.auth?.inputs ?? [];
  const passwords = inputs.filter((input) => input.type === 'password');
  const key = inputs.find((input) => input.id === 'apiKey') ?? (passwords.length === 1 ? passwords[0] : inputs.length === 1 ? inputs[0] : undefined);
  return key ? { style: 'header', name: 'Authorization', format: `Bearer {${key.id}}` } : undefined;
}

/**
 * The API of an integration as the project configured it, or undefined when it has none yet (a
 * custom integration without `apiBaseUrl`, or whose API-key inputs do not say which one is the key).
 */
export function apiAccessOf(integration: ConnectableIntegration): ApiAccess | undefined {
  const { config } = integration;
  if (integration.type.startsWith('custom.')) {
    if (!config.apiBaseUrl) return undefined;
    const authorization = config.auth?.scheme === 'api_key' ? (config.auth.apiAuthorization ?? customKeyAuthorization(integration)) : BEARER_TOKEN;
    if (!authorization) return undefined;
    return { baseUrl: config.apiBaseUrl, placeholderPatterns: {}, authorization, headers: {}, extraOrigins: [] };
  }
  const provider = findProvider(integration.type);
  if (!provider) return undefined;
  const patterns: Record<string, string> = {};
  for (const input of provider.inputs) if (input.pattern !== undefined) patterns[input.id] = input.pattern;
  for (const [key, field] of Object.entries(provider.account.providerData)) if (field.pattern !== undefined && patterns[key] === undefined) patterns[key] = field.pattern;
  const override = config.overrides?.apiBaseUrl;
  return {
    baseUrl: override ?? provider.apiBaseUrl,
    placeholderPatterns: patterns,
    authorization: provider.auth.apiAuthorization,
    headers: provider.apiHeaders ?? {},
    extraOrigins: override === undefined ? (provider.apiOrigins ?? []) : [],
  };
}
