import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../platform/http/schemas.ts';

const Url = (description: string) => Type.String({ minLength: 1, maxLength: 2048, description });
const NullableUrl = (description: string) => Nullable(Url(description), { description: `${description}; null removes it` });

/** An input the end user fills in when connecting. */
export const ConnectInputSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_]*$', description: 'Key of the value in the credential, e.g. apiKey' }),
    title: Type.String({ minLength: 1, maxLength: 120, description: 'Label shown to the user' }),
    type: Type.Optional(StringEnum(['text', 'password', 'textarea'], {
      description: 'password values are only stored sealed; text and textarea values also show in providerData. @default "text"',
    })),
    required: Type.Optional(Type.Boolean({ description: '@default true' })),
    placeholder: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false, description: 'An input the user fills in when connecting' },
);

const Inputs = (description: string) => Type.Array(ConnectInputSchema, { minItems: 1, maxItems: 20, description });
const Scopes = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100, description });
const ClientAuth = StringEnum(['body', 'basic'], { description: 'How the client authenticates at the token endpoint: client_id/client_secret in the body, or HTTP Basic. @default "body"' });

const HeaderTemplate = Type.String({ minLength: 1, maxLength: 500, pattern: '^[\\x20-\\x7e]+$', description: 'Template; {inputId} placeholders name the inputs' });

/** How a custom API-key integration's inputs authenticate its API calls (the Connect proxy). */
export const ApiAuthorizationBody = Type.Union([
  Type.Object(
    { style: Type.Literal('header'), name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$', description: 'Header name, e.g. X-API-Key' }), format: HeaderTemplate },
    { additionalProperties: false, description: 'One header: {"style": "header", "name": "X-API-Key", "format": "{apiKey}"}' },
  ),
  Type.Object(
    { style: Type.Literal('basic'), username: HeaderTemplate, password: Type.String({ maxLength: 500, pattern: '^[\\x20-\\x7e]*$' }) },
    { additionalProperties: false, description: 'HTTP Basic: {"style": "basic", "username": "{apiKey}", "password": ""}' },
  ),
], { description: 'api_key: how the inputs authenticate API calls made through the proxy. @default Authorization: Bearer {apiKey} (else the only password input, else the only input)' });

/** A custom integration's provider definition, as the Admin API takes it (null removes a field). */
export const CustomAuthBody = Type.Object(
  {
    scheme: Type.Optional(StringEnum(['oauth2', 'api_key'], { description: 'Required when the integration has no auth yet; a new scheme starts a new definition' })),
    authorizationUrl: Type.Optional(NullableUrl('OAuth 2.0 authorization endpoint (http or https)')),
    tokenUrl: Type.Optional(NullableUrl('OAuth 2.0 token endpoint')),
    scopes: Type.Optional(Nullable(Scopes('Scopes asked for'))),
    pkce: Type.Optional(Nullable(Type.Boolean({ description: 'Send a PKCE S256 challenge. @default false' }))),
    accountUrl: Type.Optional(NullableUrl("Account endpoint read with the new access token (e.g. OpenID userinfo): providerId and providerData come from it")),
    accountIdField: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', description: 'Dot path of the account id in its answer. @default "sub", else "id"' }))),
    revokeUrl: Type.Optional(NullableUrl('Token revocation endpoint (RFC 7009)')),
    clientAuth: Type.Optional(Nullable(ClientAuth)),
    postOAuthInputs: Type.Optional(Nullable(Inputs('oauth2: inputs asked after OAuth; the credential is PENDING until POST /sdk/credentials/{id}/complete-setup gives them'))),
    inputs: Type.Optional(Nullable(Inputs('api_key: the inputs that make the credential, e.g. [{"id": "apiKey", "title": "API key", "type": "password"}]'))),
    apiAuthorization: Type.Optional(Type.Union([ApiAuthorizationBody, Type.Null()], { description: 'api_key: how the inputs authenticate API calls; null removes it' })),
  },
  { additionalProperties: false, description: 'Custom integrations: the provider definition' },
);

export const OverridesBody = Type.Object(
  {
    authorizationUrl: Type.Optional(NullableUrl('Authorization endpoint')),
    tokenUrl: Type.Optional(NullableUrl('Token endpoint')),
    accountUrl: Type.Optional(NullableUrl('Account (userinfo) endpoint')),
    apiBaseUrl: Type.Optional(NullableUrl("Base URL of the provider's API")),
    revokeUrl: Type.Optional(NullableUrl('Token revocation endpoint')),
  },
  { additionalProperties: false, description: "Built-ins: endpoints replacing the catalog's (sandboxes, self-hosted GitHub or Jira, tests)" },
);

/** The connection fields the Admin API sets on create and change. */
const ConnectionFields = {
  clientId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 512, pattern: '^[\\x21-\\x7e]+$', description: 'OAuth client id registered at the provider' }))),
  clientSecret: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4096, pattern: '^[\\x20-\\x7e]+$', description: 'OAuth client secret: stored sealed, never returned or logged' }))),
  scopes: Type.Optional(Nullable(Scopes('Built-ins: scopes asked for'))),
  overrides: Type.Optional(Nullable(OverridesBody)),
  auth: Type.Optional(Nullable(CustomAuthBody)),
  apiBaseUrl: Type.Optional(NullableUrl("Custom integrations: base URL of the provider's API")),
};

/** A User Setting the Connect Portal asks for: of an integration (portal.userSettings) or of a workflow. */
export const UserSettingInput = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$', description: 'Key of the value in the credential\'s sharedSettings' }),
    title: Type.String({ minLength: 1, maxLength: 200, description: 'Label the portal shows' }),
    type: Type.Union(['text', 'number', 'boolean', 'select', 'multiselect'].map((t) => Type.Literal(t)), { description: 'How the portal asks for it: text, number, boolean, select or multiselect' }),
    required: Type.Optional(Type.Boolean({ description: 'The portal does not save the settings without it. @default false' })),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100, description: 'The choices of a select or multiselect (required for those)' })),
    tooltip: Type.Optional(Type.String({ maxLength: 500, description: 'Help text under the field' })),
  },
  { additionalProperties: false },
);
export type UserSettingInput = Static<typeof UserSettingInput>;

/** The Connect Portal's look and texts for one integration; a null removes a field. */
export const PortalSettings = Type.Object(
  {
    accentColor: Type.Optional(Nullable(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'Accent of the portal (buttons, switches), #rrggbb; the brand colour without it' }))),
    title: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 120, description: 'Heading of the portal; the integration name without it' }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Text under the heading' }))),
    userSettings: Type.Optional(Nullable(Type.Array(UserSettingInput, { maxItems: 50, description: "Integration-level User Settings the portal asks for once connected (the credential's sharedSettings)" }))),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PortalSettings = Static<typeof PortalSettings>;

export const CreateIntegrationBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 80, examples: ['hubspot', 'custom', 'custom.tasklab'], description: 'A built-in type, "custom" (the type becomes custom.<slug of name>) or custom.<slug>' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'Text shown in the Connect Portal' })),
    portal: Type.Optional(PortalSettings),
    ...ConnectionFields,
  },
  { additionalProperties: false },
);

export const UpdateIntegrationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Text shown in the Connect Portal; null removes it' }))),
    isActive: Type.Optional(Type.Boolean({ description: 'Whether users may connect it' })),
    portal: Type.Optional(PortalSettings),
    ...ConnectionFields,
  },
  { additionalProperties: false, minProperties: 1 },
);

const InputView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  type: StringEnum(['text', 'password', 'textarea']),
  required: Type.Boolean(),
  placeholder: Type.Optional(Type.String()),
});

/** An integration as the Admin API shows it. */
export const ProjectIntegration = Type.Object(
  {
    id: Type.String({ description: 'Integration id (UUID)' }),
    type: Type.String({ description: 'Built-in type (salesforce, …) or custom.<slug>' }),
    name: Type.String(),
    isActive: Type.Boolean(),
    brandColor: Type.String(),
    portalConfig: Type.Object(
      { description: Type.Optional(Type.String({ description: 'Text shown in the Connect Portal' })) },
      { additionalProperties: true, description: 'Connect Portal configuration set by the project' },
    ),
    scheme: StringEnum(['oauth2', 'api_key'], { description: 'How users connect it' }),
    redirectUri: Type.String({ description: 'The redirect URI to register at the provider: {PORTICO_PUBLIC_URL}/oauth' }),
    hasClientSecret: Type.Boolean({ description: 'Whether an OAuth client secret is stored (it is never returned)' }),
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    projectId: Type.String(),
    clientId: Type.Optional(Type.String({ description: 'OAuth client id' })),
    scopes: Type.Optional(Type.Array(Type.String(), { description: 'Built-ins: scopes asked for' })),
    overrides: Type.Optional(Type.Object({
      authorizationUrl: Type.Optional(Type.String()),
      tokenUrl: Type.Optional(Type.String()),
      accountUrl: Type.Optional(Type.String()),
      apiBaseUrl: Type.Optional(Type.String()),
      revokeUrl: Type.Optional(Type.String()),
    }, { description: "Built-ins: endpoints replacing the catalog's" })),
    auth: Type.Optional(Type.Object({
      scheme: StringEnum(['oauth2', 'api_key']),
      authorizationUrl: Type.Optional(Type.String()),
      tokenUrl: Type.Optional(Type.String()),
      scopes: Type.Optional(Type.Array(Type.String())),
      pkce: Type.Optional(Type.Boolean()),
      accountUrl: Type.Optional(Type.String()),
      accountIdField: Type.Optional(Type.String()),
      revokeUrl: Type.Optional(Type.String()),
      clientAuth: Type.Optional(StringEnum(['body', 'basic'])),
      postOAuthInputs: Type.Optional(Type.Array(InputView)),
      inputs: Type.Optional(Type.Array(InputView)),
      apiAuthorization: Type.Optional(ApiAuthorizationBody),
    }, { description: 'Custom integrations: the provider definition' })),
    apiBaseUrl: Type.Optional(Type.String({ description: "Custom integrations: base URL of the provider's API" })),
  },
  { $id: 'ProjectIntegration', description: 'An integration of the project' },
);
export type ProjectIntegration = Static<typeof ProjectIntegration>;
