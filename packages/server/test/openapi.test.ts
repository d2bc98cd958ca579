import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico, type Portico } from './harness.ts';

/** Operations whose success body is free-form by nature, each with the reason. */
const FREE_FORM: Readonly<Record<string, string>> = {
  'GET /api/v1/openapi.json': 'the body is the OpenAPI document itself, whose shape the OpenAPI 3.1 specification defines',
};

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
}

interface Response {
  description?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, Response>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';

describe('OpenAPI document', () => {
  let portico: Portico;
  let doc: OpenApiDocument;
  let operations: Array<{ name: string; path: string; operation: Operation }>;

  beforeAll(async () => {
    portico = await startPortico('sqlite');
    const response = await portico.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    doc = response.json();
    operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, operation })),
    );
  });
  afterAll(() => portico.close());

  function resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined; hops++) {
      const name = current.$ref.replace('#/components/schemas/', '');
      const target = doc.components.schemas[name];
      if (!target || hops > 10) throw new Error(`Unresolvable $ref ${current.$ref}`);
      current = target;
    }
    return current;
  }

  /** Whether a schema promises nothing about the body: `{}`, an object without declared fields, or a list of those. */
  function isOpenOnly(schema: Schema): boolean {
    const s = resolve(schema);
    const options = s.anyOf ?? s.oneOf;
    if (options) return options.some(isOpenOnly);
    if (s.allOf) return s.allOf.every(isOpenOnly);
    if (s.const !== undefined || s.enum !== undefined) return false;
    const types = s.type === undefined ? [] : [s.type].flat();
    if (types.includes('array')) return s.items === undefined || isOpenOnly(s.items);
    if (types.length === 0 || types.includes('object')) {
      const declared = Object.keys(s.properties ?? {}).length > 0;
      const typedValues = typeof s.additionalProperties === 'object';
      return !declared && !typedValues;
    }
    return false;
  }

  function successResponses(operation: Operation): Array<[string, Response]> {
    return Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  }

  it('lists the Connect, Admin and Operations routes', () => {
    const names = operations.map((o) => o.name);
    for (const name of ['GET /projects/{projectId}/sdk/me', 'GET /projects/{projectId}/sdk/integrations', 'GET /api/v1/projects/{projectId}/users/{userId}', 'GET /healthz']) {
      expect(names).toContain(name);
    }
  });

  it('gives every operation a summary and tags', () => {
    const missing = operations.filter(({ operation }) => !operation.summary?.trim() || !(operation.tags?.length)).map((o) => o.name);
    expect(missing).toEqual([]);
  });

  it('declares every success body with its fields, except the free-form allow-list', () => {
    const undeclared: string[] = [];
    for (const { name, operation } of operations) {
      const successes = successResponses(operation);
      if (successes.length === 0) undeclared.push(`${name}: no 2xx response`);
      for (const [status, response] of successes) {
        const schema = response.content?.['application/json']?.schema;
        if (status === '204') continue;
        if (!schema) undeclared.push(`${name} ${status}: no JSON schema`);
        else if (isOpenOnly(schema) && !(name in FREE_FORM)) undeclared.push(`${name} ${status}: open object only`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('keeps the free-form allow-list to operations that exist and really are free-form', () => {
    for (const name of Object.keys(FREE_FORM)) {
      const found = operations.find((o) => o.name === name);
      expect(found, `${name} is allow-listed but not in the document`).toBeDefined();
      const schemas = successResponses(found!.operation).map(([, r]) => r.content?.['application/json']?.schema);
      expect(schemas.some((s) => s === undefined || isOpenOnly(s)), `${name} is allow-listed but declares its fields`).toBe(true);
    }
  });

  it('answers every 4xx and 5xx with the error envelope', () => {
    const wrong: string[] = [];
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        // Paragon's documented answer of a Request trigger still running: its own body, not an error.
        if (status === '542' && name.includes('/sdk/triggers/')) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== ERROR_BODY_REF) wrong.push(`${name} ${status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(doc.components.schemas.ErrorBody).toMatchObject({ required: ['message', 'code', 'status'] });
  });

  it('documents 401 on every authenticated operation', () => {
    const missing = operations.filter(({ operation }) => (operation.security?.length ?? 0) > 0 && !operation.responses?.['401']).map((o) => o.name);
    expect(missing).toEqual([]);
  });

  it('describes every response', () => {
    const bare = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses ?? {})
        .filter(([, response]) => !response.description || response.description === 'Default Response')
        .map(([status]) => `${name} ${status}`),
    );
    expect(bare).toEqual([]);
  });

  it('lists shared wire shapes once, as components the operations refer to', () => {
    const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components.schemas);
    for (const name of Object.keys(doc.components.schemas)) {
      expect(text, `component ${name} is never referred to`).toContain(`"#/components/schemas/${name}"`);
    }
    const me = doc.paths['/projects/{projectId}/sdk/me']!.get!.responses!['200']!.content!['application/json']!.schema!;
    expect(me.properties?.integrations?.additionalProperties).toEqual({ $ref: '#/components/schemas/IntegrationState' });
    expect(resolve({ $ref: '#/components/schemas/IntegrationState' }).properties?.allCredentials?.items).toEqual({ $ref: '#/components/schemas/Credential' });
    const credential = doc.paths['/projects/{projectId}/sdk/credentials/{credentialId}']!.get!.responses!['200']!.content!['application/json']!.schema!;
    expect(credential).toEqual({ $ref: '#/components/schemas/Credential' });
  });
});
