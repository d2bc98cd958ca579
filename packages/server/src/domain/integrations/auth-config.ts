import { AppError } from '../../platform/errors.ts';
import { validationSentence, type ValidationProblem } from '../../platform/http/validation-errors.ts';

/** An input the end user fills in when connecting (an API key, a subdomain …). */
export interface ConnectInput {
  id: string;
  title: string;
  /** `password` values are only ever stored sealed; `text` and `textarea` values also show in `providerData`. */
  type: 'text' | 'password' | 'textarea';
  required: boolean;
  placeholder?: string;
  /** The value must match (anchored regular expression); built-in inputs that fill a URL have one. */
  pattern?: string;
}

export type TokenClientAuth = 'body' | 'basic';

/** A custom integration's provider, as the project defined it. */
export interface CustomAuth {
  scheme: 'oauth2' | 'api_key';
  authorizationUrl?: string;
  tokenUrl?: string;
  scopes?: string[];
  /** Send a PKCE S256 challenge with the authorization request. @default false */
  pkce?: boolean;
  /** Where the account's identity is read with the new access token (a userinfo endpoint). */
  accountUrl?: string;
  /** Dot path of the account id in that answer. @default "sub", else "id" */
  accountIdField?: string;
  revokeUrl?: string;
  /** How the client authenticates at the token endpoint. @default "body" */
  clientAuth?: TokenClientAuth;
  /** Inputs asked after OAuth; the credential stays PENDING until they are given (complete-setup). */
  postOAuthInputs?: ConnectInput[];
  /** api_key: the inputs that make the credential. */
  inputs?: ConnectInput[];
  /** api_key: how the inputs authenticate API calls (templates over input ids). @default Authorization: Bearer {apiKey} */
  apiAuthorization?: CustomApiAuthorization;
}

/** A header template, or HTTP Basic from two templates; `{inputId}` placeholders. */
export type CustomApiAuthorization = { style: 'header'; name: string; format: string } | { style: 'basic'; username: string; password: string };

export interface EndpointOverrides {
  authorizationUrl?: string;
  tokenUrl?: string;
  accountUrl?: string;
  apiBaseUrl?: string;
  revokeUrl?: string;
}

/** How users connect an integration, as the project configured it; never holds a secret (`integrations.auth_config`). */
export interface IntegrationAuthConfig {
  clientId?: string;
  /** Built-ins: the scopes asked for. */
  scopes?: string[];
  /** Built-ins: endpoints replacing the catalog's (sandboxes, self-hosted servers, tests). */
  overrides?: EndpointOverrides;
  /** Custom integrations: the provider definition. */
  auth?: CustomAuth;
  /** Custom integrations: base URL of the provider's API (for the proxy). */
  apiBaseUrl?: string;
}

type Nullable<T> = { [K in keyof T]?: T[K] | null };

export interface ConnectInputChange {
  id: string;
  title: string;
  type?: ConnectInput['type'];
  required?: boolean;
  placeholder?: string;
}

export type CustomAuthChange = Nullable<Omit<CustomAuth, 'inputs' | 'postOAuthInputs'>> & {
  inputs?: ConnectInputChange[] | null;
  postOAuthInputs?: ConnectInputChange[] | null;
};

/** A change of configuration from the Admin API: a value sets a field, `null` removes it, absence keeps it. */
export interface AuthConfigChange {
  clientId?: string | null;
  clientSecret?: string | null;
  scopes?: string[] | null;
  overrides?: Nullable<EndpointOverrides> | null;
  auth?: CustomAuthChange | null;
  apiBaseUrl?: string | null;
}

const OAUTH_ONLY_FIELDS = ['authorizationUrl', 'tokenUrl', 'scopes', 'pkce', 'accountUrl', 'accountIdField', 'revokeUrl', 'clientAuth', 'postOAuthInputs'] as const;
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

function authorizationTemplates(authorization: CustomApiAuthorization): string[] {
  return authorization.style === 'header' ? [authorization.format] : [authorization.username, authorization.password];
}
const URL_FIELDS = ['authorizationUrl', 'tokenUrl', 'accountUrl', 'revokeUrl'] as const;
const OVERRIDE_FIELDS = ['authorizationUrl', 'tokenUrl', 'accountUrl', 'apiBaseUrl', 'revokeUrl'] as const;

class Problems {
  readonly list: ValidationProblem[] = [];
  /** The first problem of a field is the one reported. */
  add(path: string, message: string): void {
    if (this.list.some((p) => p.path === path)) return;
    this.list.push({ in: 'body', path, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) {
      throw AppError.from('VALIDATION_FAILED', `Invalid integration configuration: ${validationSentence(this.list)}.`, { errors: this.list });
    }
  }
}

/** The URL in its normalized spelling, or a problem recorded at `path`. */
function httpUrl(value: string, path: string, problems: Problems): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    problems.add(path, 'must be an absolute http(s) URL, such as https://api.example.com/oauth/token');
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.add(path, `must be an http(s) URL, not ${url.protocol}`);
  else if (url.username || url.password) problems.add(path, 'must not carry a user name or password; put the client credentials in clientId and clientSecret');
  else if (url.hash) problems.add(path, 'must not have a #fragment');
  else return url.href;
  return undefined;
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopesOf(values: readonly string[], path: string, problems: Problems): string[] {
  values.forEach((scope, i) => {
    if (!SCOPE.test(scope)) problems.add(`${path}/${i}`, 'must be one scope: printable ASCII without spaces, quotes or backslashes');
  });
  return [...new Set(values)];
}

function inputsOf(values: readonly ConnectInputChange[], path: string, problems: Problems): ConnectInput[] {
  const seen = new Set<string>();
  return values.map((value, i) => {
    if (seen.has(value.id)) problems.add(`${path}/${i}/id`, `repeats the input id "${value.id}"`);
    seen.add(value.id);
    const input: ConnectInput = { id: value.id, title: value.title, type: value.type ?? 'text', required: value.required ?? true };
    if (value.placeholder !== undefined) input.placeholder = value.placeholder;
    return input;
  });
}

/** Sets, removes or keeps each field of `target` as `change` says; `normalize` checks a value that is set. */
function merge<T extends object>(target: T, change: object, normalize: (key: string, value: unknown) => unknown): void {
  const record = target as Record<string, unknown>;
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) delete record[key];
    else record[key] = normalize(key, value);
  }
}

function applyCustomAuth(current: CustomAuth | undefined, change: CustomAuthChange, problems: Problems): CustomAuth | undefined {
  const scheme = change.scheme ?? current?.scheme;
  if (!scheme) {
    problems.add('/auth/scheme', 'is required: "oauth2" or "api_key"');
    return undefined;
  }
  // A new scheme starts a new definition; the same scheme is changed field by field.
  const next: CustomAuth = current && current.scheme === scheme ? structuredClone(current) : { scheme };
  merge(next, { ...change, scheme: undefined }, (key, value) => {
    const path = `/auth/${key}`;
    if ((URL_FIELDS as readonly string[]).includes(key)) return httpUrl(value as string, path, problems);
    if (key === 'scopes') return scopesOf(value as string[], path, problems);
    if (key === 'inputs' || key === 'postOAuthInputs') return inputsOf(value as ConnectInputChange[], path, problems);
    return value;
  });
  if (scheme === 'oauth2') {
    if (!next.authorizationUrl) problems.add('/auth/authorizationUrl', 'is required for scheme "oauth2"');
    if (!next.tokenUrl) problems.add('/auth/tokenUrl', 'is required for scheme "oauth2"');
    if (next.inputs) problems.add('/auth/inputs', 'belongs to scheme "api_key"; an OAuth integration asks for postOAuthInputs after OAuth');
    if (next.apiAuthorization) problems.add('/auth/apiAuthorization', 'belongs to scheme "api_key"; an OAuth integration sends its access token as a bearer token');
  } else {
    if (!next.inputs || next.inputs.length === 0) problems.add('/auth/inputs', 'is required for scheme "api_key": the inputs users fill in, such as [{"id": "apiKey", "title": "API key", "type": "password"}]');
    for (const key of OAUTH_ONLY_FIELDS) if (next[key] !== undefined) problems.add(`/auth/${key}`, 'belongs to scheme "oauth2"');
    if (next.apiAuthorization) {
      const ids = new Set((next.inputs ?? []).map((input) => input.id));
      const named = authorizationTemplates(next.apiAuthorization).flatMap((template) => Array.from(template.matchAll(PLACEHOLDER), (m) => m[1]!));
      const unknown = named.filter((name) => !ids.has(name));
      if (unknown.length > 0) problems.add('/auth/apiAuthorization', `names {${unknown.join('}, {')}}, which ${unknown.length === 1 ? 'is not an input' : 'are not inputs'} of this integration`);
      else if (named.length === 0) problems.add('/auth/apiAuthorization', 'must send at least one input, e.g. "{apiKey}"');
    }
  }
  return next;
}

/**
 * The configuration after an Admin API change, checked as a whole: every problem is reported with
 * the field it concerns (`/auth/tokenUrl`, `/overrides/apiBaseUrl` …), and nothing is applied when
 * there is one.
 */
export function applyAuthChange(isCustom: boolean, current: IntegrationAuthConfig, change: AuthConfigChange, builtInScheme: 'oauth2' | 'api_key' = 'oauth2'): IntegrationAuthConfig {
  const problems = new Problems();
  const next: IntegrationAuthConfig = structuredClone(current);
  if (change.clientId !== undefined) {
    if (change.clientId === null) delete next.clientId;
    else next.clientId = change.clientId;
  }
  if (isCustom) {
    if (change.overrides != null) problems.add('/overrides', 'is for built-in integrations; a custom integration sets its URLs in auth');
    if (change.scopes != null) problems.add('/scopes', 'of a custom integration go in auth.scopes');
    if (change.auth === null) delete next.auth;
    else if (change.auth !== undefined) {
      const auth = applyCustomAuth(current.auth, change.auth, problems);
      if (auth) next.auth = auth;
    }
    if (change.apiBaseUrl === null) delete next.apiBaseUrl;
    else if (change.apiBaseUrl !== undefined) {
      const url = httpUrl(change.apiBaseUrl, '/apiBaseUrl', problems);
      if (url) next.apiBaseUrl = url;
    }
    if (next.auth?.scheme === 'api_key') {
      if (next.clientId !== undefined) problems.add('/clientId', 'is for OAuth; an API-key integration has no OAuth client (send null to remove it)');
      if (change.clientSecret != null) problems.add('/clientSecret', 'is for OAuth; an API-key integration has no OAuth client');
    }
  } else {
    if (change.auth != null) problems.add('/auth', "of a built-in integration comes from Portico's catalog; change its URLs with overrides");
    if (builtInScheme === 'api_key') {
      const oauthOnly = { clientId: change.clientId, clientSecret: change.clientSecret, scopes: change.scopes };
      for (const [field, value] of Object.entries(oauthOnly)) if (value != null) problems.add(`/${field}`, 'is for OAuth; this integration connects with an API key');
      for (const field of ['authorizationUrl', 'tokenUrl', 'revokeUrl'] as const) {
        if (change.overrides?.[field] != null) problems.add(`/overrides/${field}`, 'is for OAuth; this integration connects with an API key');
      }
    }
    if (change.apiBaseUrl != null) problems.add('/apiBaseUrl', 'of a built-in integration is changed with overrides.apiBaseUrl');
    if (change.scopes === null) delete next.scopes;
    else if (change.scopes !== undefined) next.scopes = scopesOf(change.scopes, '/scopes', problems);
    if (change.overrides === null) delete next.overrides;
    else if (change.overrides !== undefined) {
      const overrides: EndpointOverrides = { ...next.overrides };
      merge(overrides, change.overrides, (key, value) => {
        if (!(OVERRIDE_FIELDS as readonly string[]).includes(key)) return value;
        return httpUrl(value as string, `/overrides/${key}`, problems);
      });
      if (Object.keys(overrides).length > 0) next.overrides = overrides;
      else delete next.overrides;
    }
  }
  problems.throwIfAny();
  return next;
}
