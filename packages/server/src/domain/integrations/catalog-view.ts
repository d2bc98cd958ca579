import type { ConnectInput } from './auth-config.ts';
import { findProvider, iconUrl } from './catalog.ts';
import { postOAuthInputsOf } from './connection-method.ts';
import type { Integration } from './integrations.service.ts';
import type { Provider, ProviderInput } from './providers/provider.schema.ts';

/** The SDK's `AuthenticationScheme` values Portico answers: `basic` is the SDK's name for API-key forms. */
export type SdkAuthenticationType = 'oauth' | 'basic';

/** The SDK's `IntegrationConnectInput` (types/action.d.ts): one field of the pre-connect form. */
export type SdkConnectInput = {
  id: string;
  title: string;
  type: 'TEXT_NO_VARS' | 'PASSWORD' | 'TEXTAREA_NO_VARS';
  required: boolean;
  placeholder?: string;
  subtitle?: string;
  prefixLabel?: string;
  suffixLabel?: string;
};

/** The SDK's `SDKIntegrationConfig` (types/connect.d.ts), which drives its headless install flow. */
export type SdkIntegrationConfig = {
  oauthInputs: SdkConnectInput[];
  accountTypes: Array<{ id: string; scheme: SdkAuthenticationType; accountDescription: string }>;
  authConfigInputs: SdkConnectInput[];
  postOauthInputs: SdkConnectInput[];
  dataSources: Record<string, never>;
};

/** What the Connect API shows of an integration that comes from the provider catalog. */
export interface CatalogView {
  name: string;
  brandColor: string;
  /** Absolute icon URL on the SDK's default CDN (the SDK computes the same for built-ins). */
  icon: string;
  authenticationType: SdkAuthenticationType;
  /** The SDK asks for `authConfigInputs` before opening the OAuth popup. */
  needPreOauthInputs: boolean;
  sdkIntegrationConfig: SdkIntegrationConfig | null;
}

const SDK_INPUT_TYPE: Readonly<Record<ConnectInput['type'], SdkConnectInput['type']>> = { text: 'TEXT_NO_VARS', password: 'PASSWORD', textarea: 'TEXTAREA_NO_VARS' };

/** A custom integration's input as the SDK's install flow reads it. */
export function sdkInput(input: ConnectInput): SdkConnectInput {
  return { id: input.id, title: input.title, type: SDK_INPUT_TYPE[input.type], required: input.required, ...(input.placeholder ? { placeholder: input.placeholder } : {}) };
}

function providerInput(input: ProviderInput): SdkConnectInput {
  return {
    id: input.id,
    title: input.label,
    type: input.type === 'password' ? 'PASSWORD' : 'TEXT_NO_VARS',
    required: input.required,
    ...(input.example === undefined ? {} : { placeholder: input.example }),
    ...(input.help === undefined ? {} : { subtitle: input.help }),
    ...(input.prefix === undefined ? {} : { prefixLabel: input.prefix }),
    ...(input.suffix === undefined ? {} : { suffixLabel: input.suffix }),
  };
}

function sdkIntegrationConfig(provider: Readonly<Provider>): SdkIntegrationConfig {
  const { auth } = provider;
  return {
    oauthInputs: [],
    accountTypes: auth.scheme === 'oauth2' ? (auth.accountTypes ?? []).map((t) => ({ id: t.id, scheme: 'oauth', accountDescription: t.description })) : [],
    authConfigInputs: provider.inputs.map(providerInput),
    postOauthInputs: [],
    dataSources: {},
  };
}

/** A custom integration: OAuth or an API-key form as the project defined it; post-OAuth inputs for the install flow's last stage. */
function customView(integration: Integration): CatalogView {
  const postOAuthInputs = postOAuthInputsOf(integration);
  return {
    name: integration.name,
    brandColor: integration.brandColor,
    icon: iconUrl(undefined),
    authenticationType: integration.scheme === 'api_key' ? 'basic' : 'oauth',
    needPreOauthInputs: false,
    sdkIntegrationConfig: postOAuthInputs.length === 0
      ? null
      : { oauthInputs: [], accountTypes: [], authConfigInputs: [], postOauthInputs: postOAuthInputs.map(sdkInput), dataSources: {} },
  };
}

/**
 * Name, colour, icon, authentication type and inputs of an integration: from its provider for a
 * built-in type, from the project's definition for a custom one.
 */
export function catalogView(integration: Integration): CatalogView {
  const provider = findProvider(integration.type);
  if (!provider) return customView(integration);
  const oauth = provider.auth.scheme === 'oauth2';
  return {
    name: provider.name,
    brandColor: provider.brandColor,
    icon: iconUrl(provider),
    authenticationType: oauth ? 'oauth' : 'basic',
    needPreOauthInputs: oauth && provider.inputs.length > 0,
    // The SDK only reads it for active integrations.
    sdkIntegrationConfig: integration.isActive ? sdkIntegrationConfig(provider) : null,
  };
}

/** Paragon's `IntegrationMetadata`: one item of `GET /sdk/metadata`. */
export interface IntegrationMetadata {
  type: string;
  name: string;
  brandColor: string;
  icon: string;
}

/** The project's active integrations as `getIntegrationMetadata()` lists them. */
export function integrationMetadata(integrations: readonly Integration[]): IntegrationMetadata[] {
  return integrations
    .filter((integration) => integration.isActive)
    .map((integration) => {
      const { name, brandColor, icon } = catalogView(integration);
      return { type: integration.type, name, brandColor, icon };
    });
}
