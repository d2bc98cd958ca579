import { Type, type Static } from '@sinclair/typebox';

/*
 * The provider catalog's contract. One `Provider` per built-in integration type, read by the
 * Connect API views, the OAuth install flow, the token refresher and the proxy.
 *
 * Templates. URL-like strings may contain `{name}` placeholders (`name` = letters, digits, `_`).
 * A placeholder is filled, verbatim, with the value of the input or `providerData` field of that
 * name, after the value has matched the declaring input's or field's `pattern` (every input and
 * field used in a URL template declares one, so a value can never change a URL's host or path
 * shape). Where each template may look:
 *   - `authorizationUrl`, `tokenUrl` (and an account type's): `inputs` only;
 *   - `account.request`: `inputs` and `providerData` fields not read from `account.*`;
 *   - `apiBaseUrl`, `apiHeaders`, `auth.apiAuthorization`, `auth.revoke.url`: `inputs` and
 *     `providerData`, plus the reserved names below.
 * Reserved names: `{accessToken}` (the OAuth access token; `apiAuthorization` and
 * `account.request` only), `{clientId}` (the project's OAuth client id; `revoke.url` only) and
 * `{token}` (the token being revoked; `revoke.url` with `tokenPlacement: "url"` only).
 *
 * Value references (`ValueRef`) say where a value comes from: `<source>.<path>`, the path being
 * dot-separated keys, a number indexing an array. Sources: `input` (what the end user typed),
 * `token` (the JSON of the token response), `callback` (a query parameter of the OAuth redirect,
 * e.g. QuickBooks' `realmId`), `account` (the JSON answered by `account.request`).
 */

const Identifier = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: 64 });

/** A URL or header template, see the placeholder rules above. */
const Template = Type.String({ minLength: 1, maxLength: 500 });

/** A regular expression, written without delimiters and matched against the whole value (anchor it). */
const Pattern = Type.String({ minLength: 1, maxLength: 300, description: 'Regular expression; anchor it with ^ and $' });

export const ValueRefSchema = Type.String({
  pattern: '^(input|token|callback|account)(\\.[A-Za-z0-9_-]+)+$',
  description: 'Where a value comes from: input.<id>, token.<path>, callback.<param> or account.<path>',
});
export type ValueRef = Static<typeof ValueRefSchema>;

export const ProviderInputSchema = Type.Object(
  {
    /** Key of the value in the install payload and name of its URL placeholder. @example "subdomain" */
    id: Identifier,
    /** Label shown to the end user (the SDK's `title`). */
    label: Type.String({ minLength: 1 }),
    /** `password` inputs are masked and stored encrypted with the credential. */
    type: Type.Union([Type.Literal('text'), Type.Literal('password')]),
    required: Type.Boolean(),
    /** The value must match; required when the input fills a URL placeholder. */
    pattern: Type.Optional(Pattern),
    /** A sample value, shown as the field's placeholder and used by tests to fill URL templates. */
    example: Type.Optional(Type.String()),
    /** One sentence of help under the field (the SDK's `subtitle`). */
    help: Type.Optional(Type.String()),
    /** Text shown before / after the field, e.g. `https://` and `.zendesk.com`. */
    prefix: Type.Optional(Type.String()),
    suffix: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/**
 * A value the end user supplies before connecting (OAuth pre-inputs, or an API key form). The
 * values are kept with the credential (`password` ones encrypted), because templates need them
 * after the install too: refresh, proxy, revoke.
 */
export type ProviderInput = Static<typeof ProviderInputSchema>;

export const ProviderDataFieldSchema = Type.Object(
  {
    from: ValueRefSchema,
    /** Regular expression with one capture group: the stored value is group 1 (e.g. a key's data-centre suffix). */
    extract: Type.Optional(Pattern),
    /** The (extracted) value must match, or the install fails; required when the field fills a URL placeholder. */
    pattern: Type.Optional(Pattern),
    /** A sample value for docs and tests. */
    example: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/** One `providerData` key of a credential and where its value comes from. */
export type ProviderDataField = Static<typeof ProviderDataFieldSchema>;

const HttpMethod = Type.Union([Type.Literal('GET'), Type.Literal('POST')]);

export const AccountSpecSchema = Type.Object(
  {
    /**
     * The call that identifies the account, authenticated like an API request
     * (`auth.apiAuthorization`, plus `apiHeaders`); it doubles as the credential's health check
     * (401 = credential invalid). Absent when the token response already names the account.
     */
    request: Type.Optional(
      Type.Object(
        {
          method: HttpMethod,
          url: Template,
          headers: Type.Optional(Type.Record(Type.String(), Template)),
          /** Raw body (JSON text) for POST requests, e.g. a GraphQL query; not a template. */
          body: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    /** The credential's `providerId`: the account's stable id at the provider. */
    providerId: ValueRefSchema,
    /** The credential's `providerData`, by key. Read once at install, and again on refresh for keys in `refresh.rereadProviderData`. */
    providerData: Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' }), ProviderDataFieldSchema),
  },
  { additionalProperties: false },
);
export type AccountSpec = Static<typeof AccountSpecSchema>;

export const ApiAuthorizationSchema = Type.Union([
  Type.Object(
    {
      /** One header, e.g. `Authorization: Bearer {accessToken}` or `X-Shopify-Access-Token: {accessToken}`. */
      style: Type.Literal('header'),
      name: Type.String({ pattern: '^[A-Za-z0-9-]+$' }),
      format: Template,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** HTTP Basic: `Authorization: Basic base64(username:password)`, both templates. */
      style: Type.Literal('basic'),
      username: Type.String(),
      password: Type.String(),
    },
    { additionalProperties: false },
  ),
]);
/** How a credential authenticates API requests (the proxy, workflow steps, `account.request`). */
export type ApiAuthorization = Static<typeof ApiAuthorizationSchema>;

export const RefreshSpecSchema = Type.Object(
  {
    /**
     * - `reusable`: `grant_type=refresh_token` at `tokenUrl`; the refresh token stays valid after
     *   use (a new one in the response replaces it).
     * - `rotating`: as `reusable`, but each refresh token works once: the new one must be stored in
     *   the same transaction, and refreshes of one credential must never run concurrently.
     * - `none`: access tokens do not expire; nothing to refresh.
     * A credential stored without a refresh token is never refreshed, whatever the mode.
     */
    mode: Type.Union([Type.Literal('reusable'), Type.Literal('rotating'), Type.Literal('none')]),
    /** Lifetime to assume when the token response carries no `expires_in` (Salesforce). Absent: refresh only after a 401. */
    defaultExpiresInSeconds: Type.Optional(Type.Integer({ minimum: 60 })),
    /** `providerData` keys (read from `token.*`) to update from each refresh response, e.g. Salesforce's `instanceURL`. */
    rereadProviderData: Type.Optional(Type.Array(Identifier)),
  },
  { additionalProperties: false },
);
export type RefreshSpec = Static<typeof RefreshSpecSchema>;

export const RevokeSpecSchema = Type.Object(
  {
    url: Template,
    method: Type.Union([Type.Literal('POST'), Type.Literal('DELETE'), Type.Literal('GET')]),
    /** Which token to revoke; revoking a refresh token revokes the grant where the provider allows it. */
    token: Type.Union([Type.Literal('access_token'), Type.Literal('refresh_token')]),
    /** Where the token goes: a form field, a JSON field, `Authorization: Bearer`, or the `{token}` placeholder of `url`. */
    tokenPlacement: Type.Union([Type.Literal('form'), Type.Literal('json'), Type.Literal('bearer'), Type.Literal('url')]),
    /** Name of the form or JSON field. @default "token" */
    tokenField: Type.Optional(Identifier),
    /** How the app authenticates to the revoke endpoint. */
    clientAuth: Type.Union([Type.Literal('none'), Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')]),
  },
  { additionalProperties: false },
);
export type RevokeSpec = Static<typeof RevokeSpecSchema>;

export const AccountTypeSchema = Type.Object(
  {
    /** The SDK's account type id (`sdkIntegrationConfig.accountTypes[].id`); the SDK knows `default` and `sandbox` for Salesforce. */
    id: Identifier,
    /** Lowercase descriptor for "Add new {description}", the SDK's `accountDescription`. */
    description: Type.String({ minLength: 1 }),
    /** Overrides of the auth endpoints for this account type; refreshes must use the same `tokenUrl`. */
    authorizationUrl: Type.Optional(Template),
    tokenUrl: Type.Optional(Template),
  },
  { additionalProperties: false },
);
export type AccountType = Static<typeof AccountTypeSchema>;

export const OAuth2AuthSchema = Type.Object(
  {
    scheme: Type.Literal('oauth2'),
    authorizationUrl: Template,
    tokenUrl: Template,
    /** Scopes requested when the project configures none. Sent in the `scope` parameter. */
    defaultScopes: Type.Array(Type.String({ minLength: 1 })),
    scopeSeparator: Type.Union([Type.Literal(' '), Type.Literal(',')]),
    /** `supported`: send an S256 challenge; `required`: the provider refuses codes without one. */
    pkce: Type.Union([Type.Literal('none'), Type.Literal('supported'), Type.Literal('required')]),
    /** Extra authorize query parameters. @default {} @example { "access_type": "offline", "prompt": "consent" } */
    authorizeParams: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** How the app authenticates at `tokenUrl` (code exchange and refresh). */
    tokenAuthMethod: Type.Union([Type.Literal('client_secret_post'), Type.Literal('client_secret_basic')]),
    /** Encoding of token request bodies; token requests always send `Accept: application/json`. @default "form" */
    tokenBodyEncoding: Type.Optional(Type.Union([Type.Literal('form'), Type.Literal('json')])),
    refresh: RefreshSpecSchema,
    revoke: Type.Optional(RevokeSpecSchema),
    /** Alternative endpoints the end user picks from before OAuth (the SDK's account-type stage). */
    accountTypes: Type.Optional(Type.Array(AccountTypeSchema, { minItems: 2 })),
    apiAuthorization: ApiAuthorizationSchema,
  },
  { additionalProperties: false },
);
/** OAuth 2.0 authorization-code grant. */
export type OAuth2Auth = Static<typeof OAuth2AuthSchema>;

export const ApiKeyAuthSchema = Type.Object(
  {
    scheme: Type.Literal('api_key'),
    /** Templates over `inputs` and `providerData`, e.g. basic auth with `{apiKey}` as username. */
    apiAuthorization: ApiAuthorizationSchema,
  },
  { additionalProperties: false },
);
/** A key (or several values) the end user pastes into a form; the SDK's `basic` scheme. */
export type ApiKeyAuth = Static<typeof ApiKeyAuthSchema>;

export const ProviderSchema = Type.Object(
  {
    /** Wire id used by the SDK and the API (`salesforce`, `microsoftTeams`): never rename one. */
    type: Type.String({ pattern: '^[a-z][A-Za-z0-9]*$', maxLength: 64 }),
    /** Display name. */
    name: Type.String({ minLength: 1 }),
    /** `#RRGGBB`. */
    brandColor: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    /**
     * Icon path relative to the SDK's `CDN_PUBLIC_URL`: always `/integrations/<type>.svg`, the path
     * the official SDK computes for built-in integrations. See `iconUrl()` in catalog.ts.
     */
    icon: Type.String({ pattern: '^/integrations/[A-Za-z0-9]+\\.svg$' }),
    auth: Type.Union([OAuth2AuthSchema, ApiKeyAuthSchema]),
    /** What the end user types before connecting: OAuth pre-inputs (shop, subdomain) or the API-key form. */
    inputs: Type.Array(ProviderInputSchema),
    account: AccountSpecSchema,
    /**
     * Base URL that proxy paths are appended to, as Paragon's proxy does
     * (`paragon.request('salesforce', '/sobjects/Account')`).
     */
    apiBaseUrl: Template,
    /**
     * Other origins the proxy may call with this credential when the caller gives a full URL
     * (Paragon's proxy accepts e.g. a Sheets URL on the Google Drive integration). Only used while
     * `apiBaseUrl` is not overridden. @example ["https://sheets.googleapis.com"]
     */
    apiOrigins: Type.Optional(Type.Array(Type.String({ pattern: '^https://[a-z0-9-]+(\\.[a-z0-9-]+)+$' }))),
    /** Headers sent on every API request, e.g. `Notion-Version`. */
    apiHeaders: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Template)),
    /** The provider's API reference. */
    docsUrl: Type.String({ pattern: '^https://' }),
    /** What is uncertain or deliberately simplified in this definition; empty when nothing is. */
    notes: Type.Array(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
/** A built-in integration: how to show it, connect it, identify the account and call its API. */
export type Provider = Static<typeof ProviderSchema>;
