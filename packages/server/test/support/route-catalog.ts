import type { FastifyInstance } from 'fastify';

export type RouteAuth = 'connect' | 'admin' | 'public';

export interface CatalogRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path, e.g. `/projects/{projectId}/sdk/credentials/{credentialId}`. */
  path: string;
  auth: RouteAuth;
  pathParams: string[];
  query: string[];
  headers: string[];
  /** Top-level properties of the JSON body, when the route takes one. */
  bodyProps: string[];
}

interface OpenApiOperation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

function authOf(path: string, operation: OpenApiOperation): RouteAuth {
  // Task History (/projects/{projectId}/task-history) takes the project API key like the Admin API.
  if (path.startsWith('/api/v1/projects/{projectId}') || operation.security?.some((s) => 'apiKey' in s)) return 'admin';
  if (path.startsWith('/projects/{projectId}') || path.startsWith('/v2/projects/{projectId}') || path.startsWith('/sdk/projects/{projectId}')) return 'connect';
  return 'public';
}

/**
 * Every route the server documents, read from its own OpenAPI document, so the fuzz and isolation
 * suites cover routes added after they were written.
 */
export async function routeCatalog(app: FastifyInstance): Promise<CatalogRoute[]> {
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: CatalogRoute[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const names = (where: string) => parameters.filter((p) => p.in === where).map((p) => p.name);
      routes.push({
        method: method.toUpperCase() as CatalogRoute['method'],
        path,
        auth: authOf(path, operation),
        pathParams: names('path'),
        query: names('query'),
        headers: names('header'),
        bodyProps: Object.keys(operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
      });
    }
  }
  return routes;
}

/** Fills `{name}` placeholders; values are inserted as given (encode them first if needed). */
export function fillPath(path: string, values: Readonly<Record<string, string>>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `missing-${name}`);
}

export const isWrite = (route: CatalogRoute): boolean => route.method !== 'GET';
