import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProvider, iconUrl, listProviders } from '../src/domain/integrations/catalog.ts';
import { defineProvider, providerProblems } from '../src/domain/integrations/providers/define-provider.ts';
import { ProviderSchema, type Provider } from '../src/domain/integrations/providers/provider.schema.ts';
import { fillTemplate, placeholders } from '../src/domain/integrations/providers/template.ts';
import { STORES, seedSalesforce, startPortico, type Portico } from './harness.ts';

const PROVIDERS_DIR = path.resolve(import.meta.dirname, '../src/domain/integrations/providers');
const NOT_PROVIDERS = new Set(['provider.schema.ts', 'define-provider.ts', 'template.ts']);
const providerFiles = fs.readdirSync(PROVIDERS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.shared.ts') && !NOT_PROVIDERS.has(f));

/** Every URL template of a provider, with the names its placeholders may use. */
function urlTemplates(provider: Provider): Array<{ where: string; url: string; names: string[] }> {
  const inputs = provider.inputs.map((i) => i.id);
  const data = Object.keys(provider.account.providerData);
  const urls: Array<{ where: string; url: string; names: string[] }> = [
    { where: 'apiBaseUrl', url: provider.apiBaseUrl, names: [...inputs, ...data] },
    { where: 'docsUrl', url: provider.docsUrl, names: [] },
  ];
  if (provider.account.request) urls.push({ where: 'account.request.url', url: provider.account.request.url, names: [...inputs, ...data] });
  const { auth } = provider;
  if (auth.scheme === 'oauth2') {
    urls.push({ where: 'authorizationUrl', url: auth.authorizationUrl, names: inputs }, { where: 'tokenUrl', url: auth.tokenUrl, names: inputs });
    for (const type of auth.accountTypes ?? []) {
      if (type.authorizationUrl) urls.push({ where: `accountTypes.${type.id}.authorizationUrl`, url: type.authorizationUrl, names: inputs });
      if (type.tokenUrl) urls.push({ where: `accountTypes.${type.id}.tokenUrl`, url: type.tokenUrl, names: inputs });
    }
    if (auth.revoke) urls.push({ where: 'revoke.url', url: auth.revoke.url, names: [...inputs, ...data, 'clientId', 'token'] });
  }
  return urls;
}

/** Sample values: each input's and providerData field's `example`, and stand-ins for the reserved names. */
function samples(provider: Provider): Record<string, string> {
  const values: Record<string, string> = { clientId: 'client-id-123', token: 'token-abc' };
  for (const input of provider.inputs) if (input.example !== undefined) values[input.id] = input.example;
  for (const [key, field] of Object.entries(provider.account.providerData)) if (field.example !== undefined) values[key] = field.example;
  return values;
}

describe('provider catalog', () => {
  const providers = listProviders();

  it('lists one provider per file in providers/, the file named after its type', async () => {
    expect(providerFiles.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(providers.map((p) => p.type).sort());
    for (const file of providerFiles) {
      const module = (await import(path.join(PROVIDERS_DIR, file))) as Record<string, Provider>;
      const type = file.replace(/\.ts$/, '');
      expect(module[type], `${file} exports const ${type}`).toBe(findProvider(type));
    }
  });

  it('has unique types and keeps the wire ids already in use', () => {
    const types = providers.map((p) => p.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of ['salesforce', 'hubspot', 'slack', 'gmail', 'googledrive', 'googlecalendar', 'outlook', 'microsoftTeams', 'jira', 'shopify', 'stripe']) {
      expect(findProvider(type)?.type).toBe(type);
    }
    expect(findProvider('custom.tasklab')).toBeUndefined();
  });

  it.each(providers.map((p) => [p.type, p] as const))('%s validates against the schema and the cross-field rules', (_, provider) => {
    expect([...Value.Errors(ProviderSchema, provider)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(providerProblems(provider)).toEqual([]);
    expect(Object.isFrozen(provider) && Object.isFrozen(provider.auth) && Object.isFrozen(provider.account.providerData)).toBe(true);
  });

  it.each(providers.map((p) => [p.type, p] as const))('%s: every URL is https and parses once its placeholders are filled', (_, provider) => {
    const values = samples(provider);
    for (const { where, url, names } of urlTemplates(provider)) {
      for (const name of placeholders(url)) expect(names, `${where} uses {${name}}`).toContain(name);
      const filled = new URL(fillTemplate(url, values));
      expect(filled.protocol, where).toBe('https:');
      expect(filled.hostname, where).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    }
  });

  it('declares every placeholder of an authorization or token URL as an input with a pattern', () => {
    for (const provider of providers) {
      if (provider.auth.scheme !== 'oauth2') continue;
      for (const name of [...placeholders(provider.auth.authorizationUrl), ...placeholders(provider.auth.tokenUrl)]) {
        const input = provider.inputs.find((i) => i.id === name);
        expect(input?.pattern, `${provider.type}: {${name}}`).toBeDefined();
      }
    }
    expect(findProvider('shopify')!.inputs.map((i) => i.id)).toEqual(['shop']);
    expect(findProvider('zendesk')!.inputs.map((i) => i.id)).toEqual(['subdomain']);
  });

  it('uses the icon path the SDK computes for built-ins, on its default CDN', () => {
    for (const provider of providers) expect(provider.icon).toBe(`/integrations/${provider.type}.svg`);
    expect(iconUrl(findProvider('salesforce'))).toBe('https://cdn.useparagon.com/latest/dashboard/public/integrations/salesforce.svg');
    expect(iconUrl(undefined)).toMatch(/\/images\/icons\/byo-placeholder\.svg$/);
  });

  it('fails at load, saying what to fix, when a definition is broken', () => {
    const shopify = structuredClone(findProvider('shopify')!) as Provider;
    expect(() => defineProvider({ ...shopify, brandColor: 'green' })).toThrow(/Provider "shopify" is invalid.*\n.*brandColor/);
    expect(() => defineProvider({ ...shopify, apiBaseUrl: 'https://{store}.myshopify.com' })).toThrow(/placeholder \{store\} is not declared/);
    const unpatterned = { ...shopify, inputs: shopify.inputs.map(({ pattern: _, ...input }) => input) };
    expect(() => defineProvider(unpatterned)).toThrow(/\{shop\} fills a URL, so its input or providerData field needs a pattern/);
    expect(() => defineProvider({ ...shopify, icon: '/integrations/other.svg' })).toThrow(/icon must be "\/integrations\/shopify\.svg"/);
    expect(() => defineProvider({ ...shopify, account: { ...shopify.account, providerId: 'input.nothing' } })).toThrow(/names no input/);
  });

  it('refuses to fill a template with a missing value', () => {
    expect(fillTemplate('https://{shop}.myshopify.com', { shop: 'acme' })).toBe('https://acme.myshopify.com');
    expect(() => fillTemplate('https://{shop}.myshopify.com', {})).toThrow(/No value for placeholder \{shop\}/);
  });
});

describe.each(STORES)('catalog on the Connect API (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
    await seedSalesforce(portico, 'acme');
    expect((await portico.admin('POST', '/integrations', { type: 'stripe' })).statusCode).toBe(201);
    expect((await portico.admin('POST', '/integrations', { type: 'shopify' })).statusCode).toBe(201);
    await portico.admin('POST', '/integrations', { type: 'custom.tasklab', name: 'TaskLab' });
  });
  afterAll(() => portico.close());

  it('GET /sdk/metadata lists type, name, brand colour and icon of each integration', async () => {
    const response = await portico.connect('acme', 'GET', '/sdk/metadata');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual([
      { type: 'salesforce', name: 'Salesforce', brandColor: '#009EDB', icon: iconUrl(findProvider('salesforce')) },
      { type: 'stripe', name: 'Stripe', brandColor: '#635BFF', icon: iconUrl(findProvider('stripe')) },
      { type: 'shopify', name: 'Shopify', brandColor: '#96BF48', icon: iconUrl(findProvider('shopify')) },
      { type: 'custom.tasklab', name: 'TaskLab', brandColor: expect.stringMatching(/^#[0-9A-F]{6}$/i), icon: iconUrl(undefined) },
    ]);
  });

  it('GET /sdk/metadata needs a User Token of the project', async () => {
    const response = await portico.app.inject({ method: 'GET', url: `/projects/${portico.project.projectId}/sdk/metadata` });
    expect(response.statusCode).toBe(401);
  });

  it('GET /sdk/integrations shows the catalog: OAuth for Salesforce, an API-key form for Stripe', async () => {
    const list = (await portico.connect('acme', 'GET', '/sdk/integrations')).json() as Array<Record<string, any>>;
    const byType = (type: string) => list.find((i) => i.type === type)!;

    expect(byType('salesforce')).toMatchObject({ name: 'Salesforce', brandColor: '#009EDB', authenticationType: 'oauth', needPreOauthInputs: false });
    expect(byType('salesforce').sdkIntegrationConfig).toMatchObject({
      accountTypes: [
        { id: 'default', scheme: 'oauth', accountDescription: 'account' },
        { id: 'sandbox', scheme: 'oauth', accountDescription: 'sandbox account' },
      ],
      authConfigInputs: [],
      postOauthInputs: [],
    });

    expect(byType('stripe')).toMatchObject({ name: 'Stripe', brandColor: '#635BFF', authenticationType: 'basic', needPreOauthInputs: false, hasCredential: false });
    expect(byType('stripe').sdkIntegrationConfig).toMatchObject({
      accountTypes: [],
      authConfigInputs: [{ id: 'apiKey', title: 'Secret or restricted API key', type: 'PASSWORD', required: true }],
    });

    // An OAuth provider with a pre-OAuth input: the SDK asks for it before opening the popup.
    expect(byType('shopify')).toMatchObject({ authenticationType: 'oauth', needPreOauthInputs: true });
    expect(byType('shopify').sdkIntegrationConfig.authConfigInputs).toEqual([
      expect.objectContaining({ id: 'shop', type: 'TEXT_NO_VARS', required: true, suffixLabel: '.myshopify.com' }),
    ]);

    expect(byType('custom')).toMatchObject({ name: 'TaskLab', authenticationType: 'oauth', sdkIntegrationConfig: null });
  });
});
