import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startPortico, type Portico } from './harness.ts';

/** The browsable API reference at /docs: Swagger UI of the OpenAPI document, every asset from this server. */
describe.each(STORES)('/docs (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  const get = async (url: string) => {
    let response = await portico.app.inject({ method: 'GET', url });
    for (let hops = 0; hops < 3 && response.statusCode >= 300 && response.statusCode < 400; hops++) {
      response = await portico.app.inject({ method: 'GET', url: new URL(String(response.headers.location), `http://portico.test${url}`).pathname });
    }
    return response;
  };

  it('answers an HTML page whose scripts and styles all load from the server itself', async () => {
    const page = await get('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);

    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset, 'no asset from another host').not.toMatch(/^(?:https?:)?\/\//);
      const url = new URL(asset, 'http://portico.test/docs/').pathname;
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body.length, url).toBeGreaterThan(0);
      if (url.endsWith('.js')) expect(response.headers['content-type'], url).toMatch(/javascript/);
      if (url.endsWith('.css')) expect(response.headers['content-type'], url).toMatch(/css/);
    }
    // The initializer points the UI at this server's own document, with the online validator off.
    const initializer = await get('/docs/static/swagger-initializer.js');
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain('"validatorUrl":null');
    expect(initializer.body).toContain("url: resolveUrl('./json')");
  });

  it('shows the same document as /api/v1/openapi.json, with the routes of the Admin API', async () => {
    const spec = (await get('/docs/json')).json();
    const served = (await get('/api/v1/openapi.json')).json();
    expect(Object.keys(spec.paths).sort()).toEqual(Object.keys(served.paths).sort());
    expect(spec.paths['/api/v1/projects/{projectId}/users/{userId}'].delete.summary).toMatch(/Erase/);
    expect(spec.paths['/api/v1/projects/{projectId}/erasures/{userId}'].get).toBeDefined();
    expect(spec.paths['/api/v1/projects/{projectId}/users/{userId}/integrations/{type}'].delete).toBeDefined();
    expect(spec.paths['/api/v1/projects/{projectId}/users/{userId}/workflows/{workflowId}'].post).toBeDefined();
    // The UI's own routes are not part of the API.
    expect(Object.keys(served.paths).some((path) => path.startsWith('/docs'))).toBe(false);
  });
});
