import { Value } from '@sinclair/typebox/value';
import { ProviderSchema, type Provider } from './provider.schema.ts';
import { placeholders } from './template.ts';

interface TemplateUse {
  where: string;
  template: string;
  allowed: ReadonlySet<string>;
  /** A URL: every input or field it uses must declare a `pattern`. */
  isUrl: boolean;
}

/** The bearer header most OAuth APIs take. */
export const BEARER_TOKEN = { style: 'header', name: 'Authorization', format: 'Bearer {accessToken}' } as const;

function compiles(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** Number of capture groups: an empty alternative makes the pattern match "", with every group undefined. */
function captureGroups(pattern: string): number {
  return new RegExp(`${pattern}|`).exec('')!.length - 1;
}

/** Every template of a provider with the names it may use (the rules in provider.schema.ts). */
function templateUses(provider: Provider): TemplateUse[] {
  const { auth, account } = provider;
  const inputs = provider.inputs.map((i) => i.id);
  const data = Object.keys(account.providerData);
  const dataBeforeAccount = data.filter((key) => !account.providerData[key]!.from.startsWith('account.'));
  const oauth = auth.scheme === 'oauth2';
  const set = (...names: string[]) => new Set(names);
  const uses: TemplateUse[] = [];
  const add = (where: string, template: string | undefined, allowed: Set<string>, isUrl: boolean) => {
    if (template !== undefined) uses.push({ where, template, allowed, isUrl });
  };

  const apiNames = set(...inputs, ...data);
  add('apiBaseUrl', provider.apiBaseUrl, apiNames, true);
  for (const [name, value] of Object.entries(provider.apiHeaders ?? {})) add(`apiHeaders.${name}`, value, apiNames, false);

  const credentialNames = set(...inputs, ...data, ...(oauth ? ['accessToken'] : []));
  const apiAuth = auth.apiAuthorization;
  if (apiAuth.style === 'header') add('auth.apiAuthorization.format', apiAuth.format, credentialNames, false);
  else {
    add('auth.apiAuthorization.username', apiAuth.username, credentialNames, false);
    add('auth.apiAuthorization.password', apiAuth.password, credentialNames, false);
  }

  const requestNames = set(...inputs, ...dataBeforeAccount, ...(oauth ? ['accessToken'] : []));
  add('account.request.url', account.request?.url, requestNames, true);
  for (const [name, value] of Object.entries(account.request?.headers ?? {})) add(`account.request.headers.${name}`, value, requestNames, false);

  if (oauth) {
    add('auth.authorizationUrl', auth.authorizationUrl, set(...inputs), true);
    add('auth.tokenUrl', auth.tokenUrl, set(...inputs), true);
    for (const type of auth.accountTypes ?? []) {
      add(`auth.accountTypes.${type.id}.authorizationUrl`, type.authorizationUrl, set(...inputs), true);
      add(`auth.accountTypes.${type.id}.tokenUrl`, type.tokenUrl, set(...inputs), true);
    }
    const revoke = auth.revoke;
    if (revoke) add('auth.revoke.url', revoke.url, set(...inputs, ...data, 'clientId', ...(revoke.tokenPlacement === 'url' ? ['token'] : [])), true);
  }
  return uses;
}

function refProblems(provider: Provider, where: string, ref: string): string[] {
  const [source, first] = ref.split('.');
  const oauth = provider.auth.scheme === 'oauth2';
  if (source === 'input' && !provider.inputs.some((i) => i.id === first)) return [`${where}: "${ref}" names no input`];
  if ((source === 'token' || source === 'callback') && !oauth) return [`${where}: "${ref}" needs an OAuth provider`];
  if (source === 'account' && !provider.account.request) return [`${where}: "${ref}" needs account.request`];
  return [];
}

/**
 * What is wrong with a provider beyond its schema: undeclared placeholders, URL inputs without a
 * pattern, references to missing inputs, patterns that do not compile or reject their own example.
 */
export function providerProblems(provider: Provider): string[] {
  const problems: string[] = [];
  const { auth, account } = provider;

  if (provider.icon !== `/integrations/${provider.type}.svg`) problems.push(`icon must be "/integrations/${provider.type}.svg", the path the SDK computes`);
  const inputIds = provider.inputs.map((i) => i.id);
  if (new Set(inputIds).size !== inputIds.length) problems.push('input ids must be unique');

  const patterned = new Set<string>();
  for (const input of provider.inputs) {
    if (input.pattern === undefined) continue;
    const regex = compiles(input.pattern);
    if (!regex) problems.push(`inputs.${input.id}.pattern does not compile`);
    else if (input.example !== undefined && !regex.test(input.example)) problems.push(`inputs.${input.id}.example does not match its pattern`);
    patterned.add(input.id);
  }
  for (const [key, field] of Object.entries(account.providerData)) {
    problems.push(...refProblems(provider, `account.providerData.${key}`, field.from));
    // Inputs and providerData share the placeholder namespace: one name, one value.
    if (inputIds.includes(key) && field.from !== `input.${key}`) problems.push(`account.providerData.${key} shadows the input of that name; read it from input.${key}`);
    if (field.extract !== undefined) {
      if (!compiles(field.extract) || captureGroups(field.extract) !== 1) problems.push(`account.providerData.${key}.extract needs exactly one capture group`);
    }
    if (field.pattern === undefined) continue;
    const regex = compiles(field.pattern);
    if (!regex) problems.push(`account.providerData.${key}.pattern does not compile`);
    else if (field.example !== undefined && !regex.test(field.example)) problems.push(`account.providerData.${key}.example does not match its pattern`);
    // A placeholder named like an input is filled from the input, before providerData exists.
    if (!inputIds.includes(key)) patterned.add(key);
  }
  problems.push(...refProblems(provider, 'account.providerId', account.providerId));

  for (const use of templateUses(provider)) {
    for (const name of placeholders(use.template)) {
      if (!use.allowed.has(name)) problems.push(`${use.where}: placeholder {${name}} is not declared (allowed here: ${[...use.allowed].join(', ') || 'none'})`);
      else if (use.isUrl && !patterned.has(name) && !['clientId', 'token', 'accessToken'].includes(name)) {
        problems.push(`${use.where}: {${name}} fills a URL, so its input or providerData field needs a pattern`);
      }
    }
  }

  const credentialTemplates = auth.apiAuthorization.style === 'header' ? auth.apiAuthorization.format : auth.apiAuthorization.username + auth.apiAuthorization.password;
  if (auth.scheme === 'oauth2') {
    if (!placeholders(credentialTemplates).includes('accessToken')) problems.push('auth.apiAuthorization must send {accessToken}');
    for (const key of auth.refresh.rereadProviderData ?? []) {
      if (!account.providerData[key]?.from.startsWith('token.')) problems.push(`auth.refresh.rereadProviderData: "${key}" is not a providerData field read from token.*`);
    }
    if (auth.revoke && (auth.revoke.tokenPlacement === 'url') !== placeholders(auth.revoke.url).includes('token')) {
      problems.push('auth.revoke: tokenPlacement "url" and a {token} placeholder go together');
    }
    const typeIds = (auth.accountTypes ?? []).map((t) => t.id);
    if (new Set(typeIds).size !== typeIds.length) problems.push('auth.accountTypes ids must be unique');
  } else if (placeholders(credentialTemplates).length === 0) {
    problems.push('auth.apiAuthorization must send at least one input');
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a provider definition against `ProviderSchema` and `providerProblems`, and freezes it.
 * Runs when the provider's module loads, so a broken definition stops the server at boot.
 */
export function defineProvider(definition: Provider): Readonly<Provider> {
  const schemaErrors = [...Value.Errors(ProviderSchema, definition)].map((e) => `${e.path || '/'}: ${e.message}`);
  const problems = schemaErrors.length > 0 ? schemaErrors : providerProblems(definition);
  if (problems.length > 0) {
    throw new Error(`Provider "${definition.type}" is invalid; fix its file in src/domain/integrations/providers/:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(definition);
}
